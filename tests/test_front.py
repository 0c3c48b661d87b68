import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import CRS, Geod

from geotools.advance import advance_depth
from geotools.crs import WGS84, project
from geotools.front import front
from geotools.frontline import country_outline, front_line, inner_zone, line_of_contact
from geotools.read import ReadOptions, read_snapshots
from geotools.regions import RegionSpec, land_mask
from tests.synthetic import KM, LAEA, box, layer_of, snap

from .conftest import run_cli, write_geojson

# An equal-area conic for Ukraine: a second, differently distorted CRS for the same line.
ALBERS = CRS.from_proj4(
    "+proj=aea +lat_1=45 +lat_2=51 +lat_0=48 +lon_0=31 +datum=WGS84 +units=m +no_defs"
)


D0, D1 = dt.date(2024, 1, 1), dt.date(2024, 1, 2)


def test_front_strip_moving_1km_advances_1km():
    # A country 100 × 10 km; the occupied square spans its whole width, so its top and bottom
    # are border and only its east side is the line of contact. The square moves 1 km east.
    country = box(0, 0, 100, 10)
    layer = layer_of({"W": box(0, 0, 50, 10), "E": box(50, 0, 100, 10)})
    zone = inner_zone(country, 0.5)
    a, b = snap(box(0, 0, 10, 10), D0), snap(box(1, 0, 11, 10), D1)
    fa = front_line(a, zone, 0.5, layer)
    fb = front_line(b, zone, 0.5, layer)
    assert fa.length_km == pytest.approx(9.0, rel=1e-3)  # 10 km minus 0.5 km at each border
    assert fa.by_region_m == pytest.approx({"W": fa.length_m})
    gained = shapely.difference(b.geometries["occupied"], a.geometries["occupied"])
    stats = advance_depth(fa, fb, gained, layer)
    total = stats["total"]
    assert total.mean_m / KM == pytest.approx(1.0, rel=0.01)
    assert total.max_m / KM == pytest.approx(1.0, rel=0.01)
    assert total.line_m / KM == pytest.approx(9.0, rel=0.01)
    assert set(stats) == {"W", "total"}


def test_foothold_across_the_border_is_measured_from_the_border():
    country = box(0, 0, 100, 10)
    zone = inner_zone(country, 0.5)
    a = snap(box(0, 0, 10, 10), D0)
    b = snap(shapely.union(box(0, 0, 10, 10), box(98, 3, 100, 7)), D1)
    fa, fb = front_line(a, zone, 0.5), front_line(b, zone, 0.5)
    gained = shapely.difference(b.geometries["occupied"], a.geometries["occupied"])
    border = shapely.boundary(country)
    total = advance_depth(fa, fb, gained, border=border)["total"]
    assert total.max_m / KM == pytest.approx(2.0, rel=0.01)
    assert total.line_m / KM == pytest.approx(4 + 1.5 + 1.5, rel=0.01)
    # without the border, the only reference is the old line, 88 km away
    assert advance_depth(fa, fb, gained)["total"].max_m / KM == pytest.approx(90.0, rel=0.01)


def test_free_square_moving_1km():
    # A square inside the country: all four sides are front. Moving 1 km east, its new east
    # side lies 1 km from the old one (the max); the new north and south edges over the
    # gained strip lie 0–1 km from the old corner, so the length-weighted mean is 11/12 km.
    zone = inner_zone(box(0, 0, 100, 100), 1.0)
    a, b = snap(box(20, 20, 30, 30), D0), snap(box(21, 20, 31, 30), D1)
    fa, fb = front_line(a, zone, 1.0), front_line(b, zone, 1.0)
    assert fa.length_km == pytest.approx(40.0, rel=1e-3)
    gained = shapely.difference(b.geometries["occupied"], a.geometries["occupied"])
    total = advance_depth(fa, fb, gained, step_km=0.01)["total"]
    assert total.max_m / KM == pytest.approx(1.0, rel=0.01)
    assert total.mean_m / KM == pytest.approx(11 / 12, rel=0.01)
    assert total.line_m / KM == pytest.approx(12.0, rel=0.01)
    # area-based depth: the 10 km² strip was taken across 10 km of the old line
    assert total.width_m / KM == pytest.approx(10.0, rel=0.01)
    assert total.area_m2 / KM**2 == pytest.approx(10.0, rel=1e-9)
    assert total.depth_m / KM == pytest.approx(1.0, rel=0.01)


@pytest.mark.parametrize("shift_km", [0.25, 1.0, 3.0])
def test_free_square_depth_is_the_shift(shift_km):
    # Whatever the shift, the gained strip is shift_km deep across the 10 km east side.
    zone = inner_zone(box(0, 0, 100, 100), 1.0)
    a = snap(box(20, 20, 30, 30), D0)
    b = snap(box(20 + shift_km, 20, 30 + shift_km, 30), D1)
    fa, fb = front_line(a, zone, 1.0), front_line(b, zone, 1.0)
    gained = shapely.difference(b.geometries["occupied"], a.geometries["occupied"])
    total = advance_depth(fa, fb, gained, step_km=0.05)["total"]
    assert total.depth_m / KM == pytest.approx(shift_km, rel=0.01)
    assert total.max_m / KM == pytest.approx(shift_km, rel=0.01)


def test_depth_per_region_splits_width_and_area():
    # The strip crosses the S/N boundary at y = 25: each region holds half the gained area
    # and half the old line it was taken across, so each region's depth is 1 km too.
    layer = layer_of({"S": box(0, 0, 100, 25), "N": box(0, 25, 100, 100)})
    zone = inner_zone(box(0, 0, 100, 100), 1.0)
    a, b = snap(box(20, 20, 30, 30), D0), snap(box(21, 20, 31, 30), D1)
    fa, fb = front_line(a, zone, 1.0, layer), front_line(b, zone, 1.0, layer)
    gained = shapely.difference(b.geometries["occupied"], a.geometries["occupied"])
    stats = advance_depth(fa, fb, gained, layer, step_km=0.01)
    for code in ("S", "N"):
        assert stats[code].width_m / KM == pytest.approx(5.0, rel=0.01)
        assert stats[code].area_m2 / KM**2 == pytest.approx(5.0, rel=1e-9)
        assert stats[code].depth_m / KM == pytest.approx(1.0, rel=0.01)
    assert stats["S"].width_m + stats["N"].width_m == pytest.approx(stats["total"].width_m)


def test_no_gain_no_advance():
    zone = inner_zone(box(0, 0, 100, 100), 1.0)
    a = snap(box(20, 20, 30, 30), D0)
    fa = front_line(a, zone, 1.0)
    assert advance_depth(fa, fa, shapely.MultiPolygon()) == {}
    assert line_of_contact(shapely.MultiPolygon(), zone).is_empty


def test_line_of_contact_keeps_only_the_inside_of_the_outline():
    # occupied reaches beyond the outline (spill across the border): that part is not front
    outline = box(0, 0, 50, 50)
    line = line_of_contact(box(-5, 10, 20, 20), inner_zone(outline, 1.0))
    assert line.length / KM == pytest.approx(19 + 19 + 10, rel=1e-3)


@pytest.fixture(scope="module")
def real_front(deepstate_daily, boundaries_full):
    """The front of one real DeepState snapshot, extracted in two equal-area CRSs."""
    path = deepstate_daily / "20250611.geojson.gz"
    out = []
    for crs in (LAEA, ALBERS):
        s = read_snapshots([path], options=ReadOptions(crs=crs))[0]
        layer = RegionSpec(boundaries_full).build(crs)
        zone = inner_zone(country_outline(layer, land_mask(crs)), 3.0)
        out.append((s, front_line(s, zone, 3.0, layer)))
    return out


def test_real_front_length_is_plausible_and_same_in_two_crss(real_front):
    (s1, f1), (_, f2) = real_front
    # DeepState's line of contact in June 2025, borders and coasts excluded: ~1,200 km
    # (the figure usually quoted for the front), measured on the ellipsoid
    assert 1_100 < f1.length_km < 1_350
    assert abs(f1.length_m - f2.length_m) / f1.length_m <= 1e-3
    # the same geodesic length from the lon/lat line (pyproj's own summation)
    lonlat = project(f1.line, s1.crs, WGS84)
    geod = Geod(ellps="WGS84").geometry_length(lonlat)
    assert geod == pytest.approx(f1.length_m, rel=1e-9)
    # and the planar length in each equal-area CRS is within their length distortion
    assert f1.line.length == pytest.approx(f1.length_m, rel=5e-3)
    assert f2.line.length == pytest.approx(f2.length_m, rel=5e-3)
    # regions add up to the total
    assert sum(f1.by_region_m.values()) == pytest.approx(f1.length_m, rel=1e-12)
    assert {"UA-14", "UA-23", "UA-63", "UA-65"} <= set(f1.by_region_m)
    print(f"front 2025-06-11: {f1.length_km:.3f} km (LAEA), {f2.length_km:.3f} km (Albers)")


def test_real_front_length_is_stable_day_to_day(deepstate_daily, boundaries_full):
    days = ["20250610.geojson.gz", "20250611.geojson.gz", "20250612.geojson.gz"]
    res = front(
        [deepstate_daily / d for d in days],
        regions=RegionSpec(boundaries_full),
        period="day",
        show_progress=False,
    )
    total = res.lengths[res.lengths["region"] == "total"]["front_km"].to_numpy()
    assert len(total) == 3
    assert np.ptp(total) / total.mean() < 0.02
    adv = res.advance
    for _, rows in adv.groupby("period_start"):
        regions = rows[rows["region"] != "total"]
        tot = rows[rows["region"] == "total"].iloc[0]
        assert regions["front_to_km"].sum() == pytest.approx(tot["front_to_km"], rel=1e-9)
        assert regions["gained_km2"].sum() == pytest.approx(tot["gained_km2"], rel=1e-6)
        assert regions["advance_line_km"].sum() == pytest.approx(tot["advance_line_km"], rel=1e-6)
        if tot["gained_km2"] > 0:
            assert 0 < tot["advance_mean_km"] <= tot["advance_max_km"] < 30


def test_front_cli_writes_table_and_lines(tmp_path, deepstate_daily, boundaries_full):
    out, lines = tmp_path / "advance.csv", tmp_path / "lines.gpkg"
    a, b = deepstate_daily / "20250601.geojson.gz", deepstate_daily / "20250701.geojson.gz"
    args = ["front", str(a), str(b), "--by", str(boundaries_full), "-o", str(out)]
    res = run_cli([*args, "--lines", str(lines), "--period", "month"])
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(out)
    total = table[table["region"] == "total"].iloc[0]
    assert (total["period_start"], total["period_end"]) == ("2025-06-01", "2025-07-01")
    assert total["gained_km2"] > 0 and total["advance_mean_km"] > 0
    frame = gpd.read_file(lines)
    assert set(frame["date"]) == {"2025-06-01", "2025-07-01"}
    assert frame.crs.equals(WGS84)
    # one snapshot: lengths only, printed
    res = run_cli(["front", str(a), "--by", str(boundaries_full), "--tolerance-km", "2"])
    assert res.returncode == 0, res.stderr
    assert "front_km" in res.stdout and "Donetsk" in res.stdout


def test_front_cli_needs_an_outline(tmp_path):
    # data outside Ukraine (in Chile): no shipped outline applies (issue 15; Ukraine's own
    # data runs without one, see test_front_default_outline.py)
    chile = write_geojson(tmp_path / "20250601.geojson", [shapely.box(-71.0, -34.0, -70.0, -33.0)])
    res = run_cli(["front", str(chile)])
    assert res.returncode == 2
    assert "outline" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert str(chile) in res.stderr


def test_real_monthly_advance_is_plausible(deepstate_daily, boundaries_full):
    # every month of the archive: a month's advance is a few km, never the distance to another
    # stretch of front (footholds across the border are measured from the border)
    res = front([deepstate_daily], regions=RegionSpec(boundaries_full), show_progress=False)
    total = res.advance[res.advance["region"] == "total"]
    assert len(total) >= 24
    assert total["advance_max_km"].max() < 20
    assert total["advance_mean_km"].between(0.3, 5).all()
    assert total["front_to_km"].between(1_000, 1_450).all()


def test_front_cli_with_outline_file_and_lonlat_meridians(tmp_path):
    # a country 2° × 1° in lon/lat; the occupied west part's east edge runs along a meridian
    # and moves 0.1° east: about 7.5 km at 47.5° N (7.59 km at 47°, 7.45 km at 48°)
    def square(lon1):
        return shapely.box(36.0, 47.0, lon1, 48.0).segmentize(0.01)

    write_geojson(tmp_path / "outline.geojson", [shapely.box(36.0, 47.0, 38.0, 48.0)])
    write_geojson(tmp_path / "land.geojson", [shapely.box(30.0, 40.0, 45.0, 55.0)])
    a = write_geojson(tmp_path / "20240101.geojson", [square(36.5)])
    b = write_geojson(tmp_path / "20240201.geojson", [square(36.6)])
    out = tmp_path / "front.csv"
    args = ["front", str(a), str(b), "--outline", str(tmp_path / "outline.geojson")]
    args += ["--land", str(tmp_path / "land.geojson"), "--tolerance-km", "1", "-o", str(out)]
    res = run_cli(args)
    assert res.returncode == 0, res.stderr
    row = pd.read_csv(out).iloc[0]
    assert row["region"] == "total"
    meridian_km = Geod(ellps="WGS84").inv(36.5, 47.0, 36.5, 48.0)[2] / KM
    assert row["front_from_km"] == pytest.approx(meridian_km - 2.0, rel=1e-3)
    assert row["advance_mean_km"] == pytest.approx(7.52, rel=0.01)
    assert row["advance_max_km"] == pytest.approx(7.59, rel=0.01)
