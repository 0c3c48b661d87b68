"""The transition matrix's cells, intersected part by part (issue 20), against one overlay of
the two whole change polygons, on generated territories: the same area, and the same place
(the pieces allocated to regions cover exactly the intersection)."""

from __future__ import annotations

import datetime as dt

import shapely
from hypothesis import given, settings

from geotools.regions import OUTSIDE
from geotools.snapshot import Change
from geotools.sources.profile import UNMARKED
from geotools.transitions import transition_matrix
from tests import strategies as gs
from tests.synthetic import layer_of
from tests.test_properties import tol

DAY = dt.date(2024, 5, 1)
EMPTY = shapely.MultiPolygon()


def _change(status: str, gained: shapely.Geometry, lost: shapely.Geometry) -> Change:
    return Change(
        status=status,
        from_date=DAY,
        to_date=DAY + dt.timedelta(days=1),
        gained=gained,
        lost=lost,
        area_from_m2=0.0,
        area_to_m2=0.0,
        gained_m2=float(shapely.area(gained)),
        lost_m2=float(shapely.area(lost)),
    )


@settings(max_examples=60, deadline=None)
@given(lost=gs.territories(), gained=gs.territories(), grid=gs.region_grids())
def test_a_cell_is_the_overlay_of_the_whole_change_polygons(
    lost: shapely.Geometry, gained: shapely.Geometry, grid: tuple[list[str], list]
) -> None:
    """x → y is lost(x) ∩ gained(y), however the parts of the two meet (apart, touching,
    overlapping, holed), region by region too; the rows still sum to lost(x) and the
    columns to gained(y)."""
    codes, geoms = grid
    layer = layer_of(dict(zip(codes, geoms, strict=True)))
    changes = [_change("x", EMPTY, lost), _change("y", gained, EMPTY)]
    matrix = transition_matrix(changes, ["x", "y"], layer)
    cells = {(t.from_status, t.to_status): t for t in matrix}
    both = shapely.intersection(lost, gained)
    want = float(shapely.area(both))
    assert abs(cells[("x", "y")].area_m2 - want) <= tol(want)
    shares = cells[("x", "y")].by_region
    for code, region in zip(codes, geoms, strict=True):
        here = float(shapely.area(shapely.intersection(both, region)))
        assert abs(shares.get(code, 0.0) - here) <= tol(here), code
    beyond = float(shapely.area(shapely.difference(both, shapely.union_all(geoms))))
    assert abs(shares.get(OUTSIDE, 0.0) - beyond) <= tol(beyond)
    assert cells[("y", "x")].area_m2 == 0.0
    moved_out = cells[("x", "y")].area_m2 + cells[("x", UNMARKED)].area_m2
    assert abs(moved_out - shapely.area(lost)) <= tol(shapely.area(lost))
    moved_in = cells[("x", "y")].area_m2 + cells[(UNMARKED, "y")].area_m2
    assert abs(moved_in - shapely.area(gained)) <= tol(shapely.area(gained))
