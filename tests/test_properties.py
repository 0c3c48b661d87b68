"""Property tests of the area accounting, over random valid (multi)polygons with holes.

Geometries come from :mod:`tests.strategies` (metres in LAEA 48°N 37°E, ≤ 100 vertices);
pairs are independent, edited (a moved front) or grid mosaics (exactly shared edges).
Tolerance for areas: 1 m² + 1e-9 × the largest area involved (``tol``).

All tests use the ``geotools-properties`` hypothesis profile: ``derandomize=True`` (the same
examples on every run, no example database), no deadline. Examples per property:

| property (test) | examples |
|---|---:|
| area(after) − area(before) = gained − lost (`test_net_is_gained_minus_lost`) | 500 |
| gained ∩ before = ∅, lost ∩ after = ∅, gained ⊆ after, lost ⊆ before, = reference overlay | 400 |
| diff(A, A) is empty: same object, WKB copy, scrambled rings (`test_diff_with_itself…`) | 300 |
| diff(A, B).gained = diff(B, A).lost: area 1e-6 rel, symmetric difference ~0 | 300 |
| clean_geometries + diff invariant to splitting a snapshot into features | 400 |
| clean_geometries + diff invariant to ring orientation, start vertex, part order | 400 |
| RegionLayer.allocate sums to the area (grid with gaps, data partly outside) | 400 |
| read_regions from a GeoPackage with overlapping regions: nothing counted twice | 60 |
| invariants in EPSG:3035, EPSG:6933 and random-centre LAEA via geotools.crs.project | 300 |

Total 3060 examples: about 30 s on 2 cores (hypothesis runs one example at a time).
"""

from __future__ import annotations

import contextlib
import tempfile
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import CRS

from geotools.clean import clean_geometries, revalidate
from geotools.crs import lonlat_bounds, project, require_equal_area
from geotools.diff import diff_geometries, diff_snapshots
from geotools.regions import OUTSIDE, read_regions
from tests.synthetic import layer_of, snap

from . import strategies as gs

# When a property fails, hypothesis' pytest plugin imports hypothesis.extra._patching (libcst),
# whose import warns (mypy_extensions.TypedDict is deprecated); with pytest's
# filterwarnings = error that turns a falsifying example into an INTERNALERROR with no report.
# Importing it here once, warnings silenced, keeps failure reports readable.
with warnings.catch_warnings(), contextlib.suppress(ImportError):
    warnings.simplefilter("ignore", DeprecationWarning)
    import hypothesis.extra._patching  # noqa: F401

settings.register_profile(
    "geotools-properties",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
PROFILE = settings.get_profile("geotools-properties")

STATUS = "occupied"
#: Longest edge (m) before projecting to another CRS.
DENSIFY_M = 100.0


def tol(*areas: float) -> float:
    """Absolute tolerance for comparing areas in m²."""
    return 1.0 + 1e-9 * max([0.0, *(abs(a) for a in areas)])


def one_change(before: shapely.Geometry, after: shapely.Geometry, crs: CRS = gs.LAEA):
    changes = diff_snapshots(snap(before, 1, crs=crs), snap(after, 2, crs=crs))
    assert [c.status for c in changes] == [STATUS]
    return changes[0]


def cleaned(features: list[shapely.Geometry]) -> tuple[shapely.Geometry, object]:
    geoms = np.empty(len(features), dtype=object)
    geoms[:] = features
    dissolved, report = clean_geometries(geoms, np.full(len(features), STATUS, dtype=object))
    assert set(dissolved) <= {STATUS}
    return dissolved.get(STATUS, shapely.MultiPolygon()), report


def sym_diff_area(a: shapely.Geometry, b: shapely.Geometry) -> float:
    return float(shapely.area(shapely.symmetric_difference(a, b)))


# ---------------------------------------------------------------- accounting identities


@settings(PROFILE, max_examples=500)
@given(gs.territory_pairs())
def test_net_is_gained_minus_lost(pair):
    before, after = pair
    ch = one_change(before, after)
    assert ch.area_from_m2 == pytest.approx(before.area, abs=1e-6)
    assert ch.area_to_m2 == pytest.approx(after.area, abs=1e-6)
    t = tol(before.area, after.area)
    assert abs((after.area - before.area) - (ch.gained_m2 - ch.lost_m2)) <= t
    assert abs(ch.net_m2 - (ch.gained_m2 - ch.lost_m2)) <= t
    assert ch.gained_m2 >= 0 and ch.lost_m2 >= 0
    assert ch.gained.geom_type in ("Polygon", "MultiPolygon")
    assert ch.lost.geom_type in ("Polygon", "MultiPolygon")


@settings(PROFILE, max_examples=400)
@given(gs.territory_pairs())
def test_gained_and_lost_lie_where_they_should(pair):
    before, after = pair
    ch = one_change(before, after)
    gained, lost = ch.gained, ch.lost
    t = tol(before.area, after.area)
    assert shapely.intersection(gained, before).area <= t  # gained was not held before
    assert shapely.intersection(lost, after).area <= t  # lost is not held after
    assert shapely.difference(gained, after).area <= t  # gained is held after
    assert shapely.difference(lost, before).area <= t  # lost was held before
    assert shapely.intersection(gained, lost).area <= t
    # the engine diff_snapshots uses gives the reference overlay's polygons
    ref_gained, ref_lost = diff_geometries(before, after)
    assert sym_diff_area(gained, ref_gained) <= t and sym_diff_area(lost, ref_lost) <= t


@settings(PROFILE, max_examples=300)
@given(gs.territories(), st.data())
def test_diff_with_itself_is_empty(geom, data):
    ch = one_change(geom, geom)
    assert ch.is_empty and ch.gained_m2 == 0.0 and ch.lost_m2 == 0.0 and ch.net_m2 == 0.0
    copy = shapely.from_wkb(shapely.to_wkb(geom))
    assert one_change(geom, copy).is_empty
    other = data.draw(gs.scrambled(geom), label="scrambled copy")
    ch = one_change(geom, other)
    t = tol(geom.area)
    assert ch.gained_m2 <= t and ch.lost_m2 <= t and abs(ch.net_m2) <= t


@settings(PROFILE, max_examples=300)
@given(gs.territory_pairs())
def test_gained_of_a_b_is_lost_of_b_a(pair):
    a, b = pair
    g_ab, l_ab = diff_geometries(a, b)
    g_ba, l_ba = diff_geometries(b, a)
    t = tol(a.area, b.area)
    for x, y in ((g_ab, l_ba), (l_ab, g_ba)):
        assert x.area == pytest.approx(y.area, rel=1e-6, abs=t)
        assert shapely.equals(x, y) or sym_diff_area(x, y) <= t
    forward, backward = one_change(a, b), one_change(b, a)
    assert forward.gained_m2 == pytest.approx(backward.lost_m2, rel=1e-6, abs=t)
    assert forward.net_m2 == pytest.approx(-backward.net_m2, rel=1e-9, abs=t)


# ---------------------------------------------------------------- cleaning invariance


@settings(PROFILE, max_examples=400)
@given(gs.territory_pairs(), st.data())
def test_splitting_into_features_changes_nothing(pair, data):
    a, b = pair
    pieces_a = data.draw(gs.split_features(a), label="features of before")
    pieces_b = data.draw(gs.split_features(b) if not b.is_empty else st.just([b]), label="after")
    a2, report = cleaned(pieces_a)
    b2, _ = cleaned(pieces_b)
    assert report.features == len(pieces_a)
    assert report.invalid_repaired == 0  # cut pieces are valid: nothing to repair
    t = tol(a.area, b.area)
    assert abs(a2.area - a.area) <= t and sym_diff_area(a2, a) <= t
    assert abs(b2.area - b.area) <= t and sym_diff_area(b2, b) <= t
    ref, got = one_change(a, b), one_change(a2, b2)
    assert abs(got.gained_m2 - ref.gained_m2) <= t
    assert abs(got.lost_m2 - ref.lost_m2) <= t
    assert abs(got.net_m2 - ref.net_m2) <= t


@settings(PROFILE, max_examples=400)
@given(gs.territory_pairs(), st.data())
def test_ring_orientation_and_start_vertex_change_nothing(pair, data):
    a, b = pair
    a_s = data.draw(gs.scrambled(a), label="scrambled before")
    b_s = data.draw(gs.scrambled(b), label="scrambled after") if not b.is_empty else b
    a2, report = cleaned([a_s])
    b2, _ = cleaned([b_s])
    # clockwise shells / counter-clockwise holes are valid: no repair may be counted
    assert report.invalid_repaired == 0 and report.collapsed_parts == 0
    t = tol(a.area, b.area)
    assert abs(a2.area - a.area) <= t and sym_diff_area(a2, a) <= t
    assert abs(b2.area - b.area) <= t and sym_diff_area(b2, b) <= t
    ref, got = one_change(a, b), one_change(a2, b2)
    assert abs(got.gained_m2 - ref.gained_m2) <= t
    assert abs(got.lost_m2 - ref.lost_m2) <= t
    assert sym_diff_area(got.gained, ref.gained) <= t and sym_diff_area(got.lost, ref.lost) <= t


# ---------------------------------------------------------------- regions


@settings(PROFILE, max_examples=400)
@given(gs.territory_pairs(), gs.region_grids())
def test_region_allocation_sums_to_the_area(pair, grid):
    a, b = pair
    codes, geoms = grid
    layer = layer_of(dict(zip(codes, geoms, strict=True)))
    union = shapely.union_all(geoms)
    for geom in (a, b):
        alloc = layer.allocate(geom)
        t = tol(geom.area)
        assert set(alloc) <= {*codes, OUTSIDE}
        assert all(v > 0 for v in alloc.values())
        assert abs(sum(alloc.values()) - geom.area) <= t
        assert abs(alloc.get(OUTSIDE, 0.0) - shapely.difference(geom, union).area) <= t
        for code, region in zip(codes, geoms, strict=True):
            assert alloc.get(code, 0.0) <= region.area + t
    ch = one_change(a, b)
    net = sum(layer.allocate(ch.gained).values()) - sum(layer.allocate(ch.lost).values())
    assert abs(net - ch.net_m2) <= tol(a.area, b.area)


@st.composite
def overlapping_grids(draw):
    """A region grid whose cells grow by 1-2 grid steps (overlaps) or shrink by 1 (gaps)."""
    codes, geoms = draw(gs.region_grids(allow_gaps=False))
    out = []
    for g in geoms:
        minx, miny, maxx, maxy = g.bounds
        small = min(maxx - minx, maxy - miny) <= 2 * gs.GRID_M
        d = draw(st.sampled_from([0, 1, 2] if small else [-1, 0, 1, 2])) * gs.GRID_M
        out.append(shapely.box(minx - d, miny - d, maxx + d, maxy + d))
    return codes, out


@settings(PROFILE, max_examples=60)
@given(gs.territories(), overlapping_grids())
def test_read_regions_with_overlaps_counts_nothing_twice(geom, grid):
    codes, geoms = grid
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "regions.gpkg"
        gpd.GeoDataFrame({"code": codes}, geometry=geoms, crs=gs.LAEA).to_file(path)
        layer = read_regions(path, gs.LAEA, "code")
    union = shapely.union_all(geoms)
    areas = layer.areas_m2()
    assert set(areas) == set(codes)
    # the overlap rule hands every shared m² to exactly one region
    assert abs(sum(areas.values()) - union.area) <= tol(union.area)
    overlap = sum(a.area for a in geoms) - union.area
    assert layer.tiling.overlap_km2 * 1e6 >= overlap - tol(union.area)
    alloc = layer.allocate(geom)
    assert abs(sum(alloc.values()) - geom.area) <= tol(geom.area)
    assert abs(alloc.get(OUTSIDE, 0.0) - shapely.difference(geom, union).area) <= tol(geom.area)


# ---------------------------------------------------------------- other equal-area CRSs


@settings(PROFILE, max_examples=300)
@given(gs.territory_pairs(), gs.equal_area_crs_specs(), gs.region_grids())
def test_invariants_hold_in_other_equal_area_crss(pair, spec, grid):
    a, b = pair
    crs = CRS.from_user_input(spec)
    extent = lonlat_bounds(shapely.box(0, 0, 3 * gs.GRID_STEPS * gs.GRID_M, 1e4), gs.LAEA)
    assert extent[0] > 36.9 and extent[3] < 48.2  # the data lies near 48°N 37°E
    assert require_equal_area(crs, extent) == 1.0
    # densified first, so that projected edges follow the true curves (vertex-only projection
    # of 4 km straight edges moves areas by up to 1e-4 between equal-area CRSs)
    a_c, fixed_a = revalidate(project(shapely.segmentize(a, DENSIFY_M), gs.LAEA, crs))
    b_c, fixed_b = revalidate(project(shapely.segmentize(b, DENSIFY_M), gs.LAEA, crs))
    assert not fixed_a and not fixed_b  # ≤ 30 km shapes stay valid under projection
    ch = one_change(a_c, b_c, crs)
    t = tol(a_c.area, b_c.area)
    assert abs(ch.net_m2 - (ch.gained_m2 - ch.lost_m2)) <= t
    assert abs((b_c.area - a_c.area) - (ch.gained_m2 - ch.lost_m2)) <= t
    assert one_change(a_c, a_c, crs).is_empty
    # an equal-area CRS keeps every area (densified edges: to ~1e-8 relative)
    rel = 1e-6
    assert a_c.area == pytest.approx(a.area, rel=rel, abs=1.0)
    assert b_c.area == pytest.approx(b.area, rel=rel, abs=1.0)
    assert ch.net_m2 == pytest.approx(b.area - a.area, abs=rel * (a.area + b.area) + 1.0)
    assert ch.gained_m2 == pytest.approx(diff_geometries(a, b)[0].area, abs=rel * b.area + 1.0)
    codes, geoms = grid
    layer = layer_of({c: project(g, gs.LAEA, crs) for c, g in zip(codes, geoms, strict=True)}, crs)
    assert abs(sum(layer.allocate(b_c).values()) - b_c.area) <= tol(b_c.area)
