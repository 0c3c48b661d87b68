import gzip

import numpy as np
import pytest
import shapely
from pyproj import CRS

from geotools.crs import (
    WGS84,
    choose_equal_area_crs,
    geodesic_area_m2,
    project,
    require_equal_area,
)
from geotools.errors import CRSError
from geotools.read import read_snapshots

from .conftest import data_path

UKRAINE = (22.1, 44.2, 40.2, 52.4)


def test_chosen_crs_is_laea_centred_and_rounded():
    crs = choose_equal_area_crs(UKRAINE)
    op = crs.coordinate_operation
    assert op.method_name == "Lambert Azimuthal Equal Area"
    params = {p.name: p.value for p in op.params}
    assert params["Latitude of natural origin"] == 48
    assert params["Longitude of natural origin"] == 31
    assert require_equal_area(crs, UKRAINE) == 1.0


@pytest.mark.parametrize(
    "code", ["EPSG:3035", "EPSG:6933", "+proj=aea +lat_1=44 +lat_2=52 +lon_0=31"]
)
def test_equal_area_crs_accepted(code):
    assert require_equal_area(CRS.from_user_input(code), UKRAINE) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "code", ["ESRI:102013", "+proj=aea +lat_1=44 +lat_2=52 +lon_0=31 +ellps=clrk66"]
)
def test_equal_area_crs_on_another_ellipsoid_refused_unless_forced(code):
    """Equal-area on its own ellipsoid (International 1924, Clarke 1866), but its areas are
    off WGS84's by about 1e-4: refused like a non-equal-area CRS."""
    crs = CRS.from_user_input(code)
    with pytest.raises(CRSError, match="WGS84 ellipsoid"):
        require_equal_area(crs, UKRAINE)
    assert require_equal_area(crs, UKRAINE, force=True) == pytest.approx(1.0)


@pytest.mark.parametrize("code", ["EPSG:3857", "EPSG:32636", "EPSG:3395"])
def test_conformal_crs_refused(code):
    with pytest.raises(CRSError, match="not equal-area"):
        require_equal_area(CRS.from_user_input(code), UKRAINE)


def test_geographic_crs_refused_even_forced():
    with pytest.raises(CRSError, match="geographic"):
        require_equal_area(WGS84, UKRAINE, force=True)


def test_force_turns_refusal_into_warning(caplog):
    assert require_equal_area(CRS.from_epsg(3857), UKRAINE, force=True) == 1.0
    assert "forced" in caplog.text


def test_feet_units_scale_to_square_metres():
    crs = CRS.from_proj4("+proj=laea +lat_0=48 +lon_0=31 +datum=WGS84 +units=us-ft")
    assert require_equal_area(crs, UKRAINE) == pytest.approx(0.3048006096**2, rel=1e-9)


def _zone_area(lat_deg: float, dlon_deg: float) -> float:
    """Closed-form area on the WGS84 ellipsoid between the equator and a parallel."""
    a, f = 6378137.0, 1 / 298.257223563
    b = a * (1 - f)
    e = np.sqrt(f * (2 - f))
    s = np.sin(np.radians(lat_deg))
    q = s / (1 - e**2 * s**2) + np.log((1 + e * s) / (1 - e * s)) / (2 * e)
    return float(np.radians(dlon_deg) * b**2 / 2 * q)


def test_geodesic_area_of_a_degree_cell_matches_the_closed_form():
    # Dense vertices make the geodesic edges follow the parallels closely.
    cell = shapely.box(30, 47, 31, 48).segmentize(0.0005)
    expected = _zone_area(48, 1) - _zone_area(47, 1)
    assert geodesic_area_m2(cell) == pytest.approx(expected, rel=1e-6)


def test_geodesic_area_ignores_orientation_and_subtracts_holes():
    outer = shapely.box(30, 47, 31, 48).segmentize(0.01)
    hole = shapely.box(30.2, 47.2, 30.4, 47.4).segmentize(0.01)
    with_hole = shapely.Polygon(outer.exterior.coords, [hole.exterior.coords])
    reversed_ = shapely.Polygon(outer.exterior.coords[::-1], [hole.exterior.coords[::-1]])
    expected = geodesic_area_m2(outer) - geodesic_area_m2(hole)
    assert geodesic_area_m2(with_hole) == pytest.approx(expected, rel=1e-12)
    assert geodesic_area_m2(reversed_) == pytest.approx(expected, rel=1e-12)


def test_laea_area_agrees_with_geodesic_on_dense_polygon():
    ring = shapely.Point(36, 48).buffer(1.5, quad_segs=2000)
    crs = choose_equal_area_crs(ring.bounds)
    planar = project(ring, WGS84, crs).area
    assert planar == pytest.approx(geodesic_area_m2(ring), rel=1e-6)


@pytest.mark.parametrize("name", ["20240708", "20250301", "20260822"])
def test_real_snapshot_area_agrees_with_geodesic(name):
    path = data_path("deepstate", "daily", f"{name}.geojson.gz")
    snap = read_snapshots([path])[0]
    # Independent read: GEOS's GeoJSON reader on the raw bytes, geodesic area on WGS84.
    raw = shapely.from_geojson(gzip.decompress(path.read_bytes()))
    lonlat = shapely.union_all(shapely.make_valid(shapely.get_parts(raw)))
    geodesic = geodesic_area_m2(lonlat)
    reported = snap.area_m2("occupied")
    assert geodesic > 1e11  # ~100,000 km²: the real thing, not an empty read
    assert abs(reported - geodesic) / geodesic <= 1e-6


def test_projection_roundtrip_is_tight():
    crs = choose_equal_area_crs(UKRAINE)
    geom = shapely.box(30, 47, 31, 48)
    back = project(project(geom, WGS84, crs), crs, WGS84)
    assert np.allclose(shapely.get_coordinates(back), shapely.get_coordinates(geom), atol=1e-9)
