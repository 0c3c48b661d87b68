"""The map's base and the border/coast changes (issue 18 points 5 and 9), without a browser."""

import datetime as dt

import numpy as np
import pytest
import shapely

from geotools.regions import RegionSpec, land_mask
from geotools.render.basemap import display_land, national_border, on_land
from geotools.render.data import gather
from geotools.render.edges import EDGE_SHARE, EdgeBand
from geotools.render.maps import map_payload


def box_km(x0, y0, x1, y1):
    return shapely.box(x0 * 1000, y0 * 1000, x1 * 1000, y1 * 1000)


def test_edge_rule_on_synthetic_shapes():
    band = EdgeBand(box_km(0, 0, 100, 100), tolerance_km=3.0)
    sliver = box_km(40, 99, 60, 101)  # 2 km wide, astride the border
    assert band.on_edge(sliver)
    deep = box_km(40, 90, 60, 100)  # a 10 km deep advance along the border
    assert not band.on_edge(deep)
    incursion = box_km(40, 100, 60, 130)  # across the border, 30 km deep
    assert not band.on_edge(incursion)
    inland = box_km(40, 40, 60, 60)
    assert not band.on_edge(inland)
    # the rule's cut: just under / over EDGE_SHARE of the area in the 3 km band
    inside = 3.0 * (1 - EDGE_SHARE)  # km beyond the band for exactly the cut
    assert band.on_edge(box_km(40, 97 - inside * 0.9, 60, 100))
    assert not band.on_edge(box_km(40, 97 - inside * 1.2, 60, 100))


@pytest.fixture(scope="module")
def month(deepstate_daily, boundaries_full):
    data = gather(
        [deepstate_daily],
        start=dt.date(2024, 11, 1),
        end=dt.date(2024, 12, 1),
        regions=RegionSpec(boundaries_full),
        show_progress=False,
    )
    return data, map_payload(data, "t")


def test_real_border_slivers_are_marked_and_shares_add_up(month):
    data, payload = month
    features = payload["steps"][0]["changes"]["features"]
    edge = [f["properties"] for f in features if f["properties"].get("edge")]
    real = [f["properties"] for f in features if not f["properties"].get("edge")]
    assert payload["edge_km"] == 3.0
    # the lost polygon of 4.997 km² along the Luhansk oblast border with Russia
    lost = [p for p in edge if p["change"] == "lost" and abs(p["area_km2"] - 4.997) < 1e-3]
    assert len(lost) == 1 and lost[0]["regions"] == ["UA-09"]
    # the month's big advance (586 km², Donetsk oblast) is no border change
    assert max(p["area_km2"] for p in real) > 500
    assert max(p["area_km2"] for p in edge) < 10
    for p in edge + real:  # every polygon's shares add up to its area, outside included
        assert sum(a for _, a in p["shares"]) == pytest.approx(p["area_km2"], abs=1e-5)
    assert any(c == "outside" for p in lost for c, _ in p["shares"])
    # the Table still counts them: the map's totals are the Table's
    total = data.table[(data.table["region"] == "total") & (data.table["status"] == "occupied")]
    assert payload["steps"][0]["totals"]["occupied"]["lost"] == float(total["lost_km2"].iloc[0])


def test_regions_drawn_on_land_and_the_national_border(month):
    data, payload = month
    land = display_land(data.crs, 500.0)
    # the land reaches past the old clip box (lon 41° E: no framed rectangle) and across
    # the world (the 1:110m part)
    from geotools.crs import WGS84, project

    land_ll = project(land, data.crs, WGS84)
    for lon, lat in ((43.0, 48.0), (45.0, 52.0), (10.0, 50.0), (-100.0, 40.0)):
        assert shapely.contains_xy(land_ll, lon, lat), (lon, lat)
    assert not shapely.contains_xy(land_ll, 34.0, 43.5)  # the Black Sea
    # ADM1 reaches 12 nmi into the sea; drawn, it stops at the coast
    sea = shapely.difference(data.regions.union, land_mask(data.crs))
    part = max(shapely.get_parts(sea), key=shapely.area)
    point = shapely.point_on_surface(part)
    drawn = on_land(list(data.regions.geometries), land)
    assert not any(shapely.contains(g, point) for g in drawn)
    assert sum(map(shapely.area, drawn)) < data.regions.union.area * 0.99
    # the national border: on land, not the coast (no point of it in the sea)
    line = national_border(drawn, land)
    assert line.length > 3_000_000  # the land border, thousands of km
    coords = shapely.points(shapely.get_coordinates(line))
    near_coast = shapely.dwithin(shapely.boundary(land), coords, 100.0)
    assert near_coast.mean() < 0.02
    assert payload["regions"]["borders"]["national"]["type"] == "QL"


def test_on_land_leaves_a_layer_off_land_alone():
    far = [box_km(0, 0, 10, 10)]  # a synthetic layer where the land is empty
    assert on_land(far, shapely.MultiPolygon()) == far
    ocean = shapely.box(1e7, 1e7, 1.1e7, 1.1e7)
    assert on_land(far, ocean)[0].equals(far[0])
    assert np.isclose(shapely.area(on_land([box_km(-5, 0, 5, 10)], box_km(0, 0, 20, 20))[0]), 5e7)
