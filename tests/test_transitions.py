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


def test_a_part_that_left_one_class_for_another_whole_is_its_own_piece() -> None:
    """A polygon lost by x and gained by y whole (the same vertices, from another start and
    the other way round: what two overlays of one day can give) is its own piece of x → y,
    with no overlay (issue 20); the parts that touch it at a corner on either side still
    meet the other class where they overlap, and the pieces fall in their regions."""
    a = shapely.Polygon([(0, 0), (1000, 0), (1000, 1000), (0, 1000)])
    twin = shapely.Polygon([(1000, 1000), (1000, 0), (0, 0), (0, 1000)])
    assert not shapely.equals_identical(a, twin) and shapely.equals(a, twin)
    b = shapely.box(1000, 1000, 3000, 2000)  # lost too: a's corner
    c = shapely.box(2000, 1500, 4000, 4000)  # gained: over b (1000 × 500 m)
    d = shapely.box(-2000, -2000, 0, 0)  # gained: the twin's corner
    lost, gained = shapely.MultiPolygon([a, b]), shapely.MultiPolygon([twin, c, d])
    assert shapely.is_valid(lost) and shapely.is_valid(gained)
    layer = layer_of(
        {"W": shapely.box(-5000, -5000, 500, 5000), "E": shapely.box(500, -5000, 5000, 5000)}
    )
    changes = [_change("x", EMPTY, lost), _change("y", gained, EMPTY)]
    cells = {(t.from_status, t.to_status): t for t in transition_matrix(changes, ["x", "y"], layer)}
    assert cells[("x", "y")].area_m2 == 1_000_000.0 + 500_000.0
    assert cells[("x", "y")].by_region == {"W": 500_000.0, "E": 1_000_000.0}
    assert cells[("x", UNMARKED)].area_m2 == 2_000_000.0 - 500_000.0
    assert cells[(UNMARKED, "y")].area_m2 == (5_000_000.0 + 4_000_000.0) - 500_000.0
    assert cells[("y", "x")].area_m2 == 0.0
