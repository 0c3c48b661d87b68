import datetime as dt

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geotools.errors import UsageError
from geotools.read import ReadOptions, read_snapshots
from geotools.regions import OUTSIDE, RegionSpec, read_regions, select_codes
from geotools.series import series
from tests.synthetic import LAEA, box


@pytest.fixture
def grid(tmp_path):
    """A overlaps B by 10 km²; C has a 4 km² notch that leaves a hole (gap) in the layer;
    one name is not in the registry."""
    regions = gpd.GeoDataFrame(
        {"name": ["Alpha", "Beta", "Gamma"]},
        geometry=[
            box(0, 0, 10, 10),
            box(9, 0, 20, 10),
            box(0, 10, 20, 20).difference(box(5, 10, 7, 12)),
        ],
        crs=LAEA,
    )
    path = tmp_path / "regions.gpkg"
    regions.to_file(path)
    return path


def test_overlap_rule_and_gap_report(grid):
    layer = read_regions(grid, LAEA, "name")
    areas = {c: a / 1e6 for c, a in layer.areas_m2().items()}
    assert areas == pytest.approx({"Alpha": 100.0, "Beta": 100.0, "Gamma": 196.0})
    assert layer.tiling.overlaps == [("Alpha", "Beta", pytest.approx(10.0))]
    assert layer.tiling.gap_count == 1 and layer.tiling.gap_km2 == pytest.approx(4.0)
    assert set(layer.tiling.unknown_names) == {"Alpha", "Beta", "Gamma"}
    alloc = layer.allocate(box(-5, 0, 20, 20))  # 5 km west of the layer + the gap → outside
    assert alloc[OUTSIDE] / 1e6 == pytest.approx(100.0 + 4.0)
    assert sum(alloc.values()) / 1e6 == pytest.approx(500.0)


def _snap_files(tmp_path, geoms):
    folder = tmp_path / "snaps"
    folder.mkdir()
    for i, g in enumerate(geoms):
        gpd.GeoDataFrame(geometry=[g], crs=LAEA).to_file(folder / f"2024-01-{i + 1:02d}.gpkg")
    return folder


def test_region_rows_sum_to_total_with_overlap_and_gap(tmp_path, grid):
    folder = _snap_files(
        tmp_path,
        [box(-5, 0, 3, 20), box(-5, 0, 12, 20), box(-5, 0, 8, 20).difference(box(1, 1, 2, 2))],
    )
    from geotools.regions import RegionSpec

    table = series(
        [folder], options=ReadOptions(crs=LAEA), period="day", regions=RegionSpec(grid, "name")
    ).table
    for (_, _), rows in table.groupby(["period_start", "status"]):
        total = rows[rows.region == "total"].iloc[0]
        parts = rows[rows.region != "total"]
        for col in ("area_from_km2", "area_to_km2", "gained_km2", "lost_km2", "net_km2"):
            assert parts[col].sum() == pytest.approx(total[col], rel=1e-9, abs=1e-9)
    day1 = table[table.period_start == dt.date(2024, 1, 1)].set_index("region")
    # box(3..12) × (0..20) gained: Alpha 3..10 × 0..10 = 70; Beta 10..12 × 0..10 = 20;
    # Gamma 3..12 × 10..20 minus the 2 × 2 notch = 86; the notch is a gap → outside 4
    assert day1.loc["Alpha", "gained_km2"] == pytest.approx(70.0)
    assert day1.loc["Beta", "gained_km2"] == pytest.approx(20.0)
    assert day1.loc["Gamma", "gained_km2"] == pytest.approx(86.0)
    assert day1.loc[OUTSIDE, "gained_km2"] == pytest.approx(4.0)
    assert day1.loc[OUTSIDE, "area_from_km2"] == pytest.approx(100.0)  # x < 0
    day2 = table[table.period_start == dt.date(2024, 1, 2)].set_index("region")
    assert day2.loc["Alpha", "lost_km2"] == pytest.approx(20.0 + 1.0)  # x 8..10, and the hole


def test_region_layer_in_another_crs_gives_same_areas(tmp_path, boundaries_full):
    regions = gpd.read_file(f"/vsigzip/{boundaries_full}")
    other = tmp_path / "adm1_3035.gpkg"
    regions.to_crs(3035).to_file(other)
    a = read_regions(boundaries_full, LAEA)
    b = read_regions(other, LAEA)
    assert a.codes == b.codes
    for x, y in zip(a.areas_m2().values(), b.areas_m2().values(), strict=True):
        assert x == pytest.approx(y, rel=1e-6)


def test_real_layer_codes_names_and_filter(boundaries_full):
    layer = read_regions(boundaries_full, LAEA)
    assert len(layer.codes) == 27 and layer.tiling.unknown_names == []
    assert layer.name_of("UA-51") == "Odesa Oblast"
    assert layer.tiling.overlaps == [] and layer.tiling.gap_count == 0
    assert select_codes(layer, ["Donetsk", "UA-23", "Zaporizhia Oblast"]) == {"UA-14", "UA-23"}
    with pytest.raises(UsageError, match="unknown region"):
        select_codes(layer, ["Narnia"])


def test_cached_layer_keeps_its_tiles(tmp_path, monkeypatch, boundaries_full):
    # The tiling stored with the layer in the cache is the tiling built from the file.
    monkeypatch.setenv("GEOTOOLS_CACHE", str(tmp_path / "cache"))
    spec = RegionSpec(boundaries_full)
    built = spec.build(LAEA)
    again = spec.build(LAEA)
    assert again._tiles is not None  # restored from the cache, not rebuilt lazily
    (p1, o1, _), (p2, o2, _) = built.tiles(), again.tiles()
    assert len(p1) == len(p2) > 27
    assert (o1 == o2).all()
    assert shapely.equals_exact(p1, p2, 0).all()


def test_allocation_equals_direct_overlay_on_real_changes(boundaries_full, deepstate_daily):
    # Tiled allocation (containment shortcut, overlays at tile edges) against one plain
    # intersection per region, for the gains and losses of 40 real pairs across the archive.
    files = sorted(deepstate_daily.glob("*.geojson.gz"))
    picks = [i for i in range(0, len(files) - 1, len(files) // 40)][:40]
    layer = read_regions(boundaries_full, LAEA)
    checked = 0
    for i in picks:
        a, b = read_snapshots(files[i : i + 2], options=ReadOptions(crs=LAEA))
        before, after = a.geometries["occupied"], b.geometries["occupied"]
        for change in (shapely.difference(after, before), shapely.difference(before, after)):
            if shapely.is_empty(change):
                continue
            got = layer.allocate(change)
            direct = shapely.area(shapely.intersection(change, layer.geometries))
            for code, area in zip(layer.codes, direct, strict=True):
                assert got.get(code, 0.0) == pytest.approx(float(area), abs=1.0, rel=1e-9), code
            outside = float(shapely.area(change)) - float(direct.sum())
            assert got.get(OUTSIDE, 0.0) == pytest.approx(outside, abs=1.0)
            checked += 1
    assert checked >= 40


def test_allocating_many_at_once_equals_one_by_one(boundaries_full, deepstate_daily):
    """allocate_many (a pair's changes in one pass) gives each change the very dict
    allocate gives it alone, bit for bit: empty and None entries, a change reaching beyond
    the regions, and changes of 20 real pairs in one call."""
    files = sorted(deepstate_daily.glob("*.geojson.gz"))
    layer = read_regions(boundaries_full, LAEA)
    changes: list = [None, shapely.MultiPolygon()]
    for i in range(0, len(files) - 1, len(files) // 20)[:20]:
        a, b = read_snapshots(files[i : i + 2], options=ReadOptions(crs=LAEA))
        before, after = a.geometries["occupied"], b.geometries["occupied"]
        changes += [shapely.difference(after, before), shapely.difference(before, after)]
    _, _, x1, y1 = shapely.total_bounds(layer.geometries)
    coords = shapely.get_coordinates(layer.union)
    ex, ey = coords[coords[:, 0].argmax()]  # the easternmost vertex: a box around it reaches out
    changes.append(shapely.box(ex - 5000, ey - 5000, ex + 5000, ey + 5000))
    changes.append(shapely.box(x1 + 1000, y1 + 1000, x1 + 2000, y1 + 2000))  # all beyond
    together = layer.allocate_many(changes)
    alone = [layer.allocate(c) if c is not None else {} for c in changes]
    assert together == alone
    assert together[-1] and set(together[-1]) == {OUTSIDE}
    assert OUTSIDE in together[-2] and len(together[-2]) >= 2
    assert sum(bool(d) for d in together) >= 20  # changes that reach a region or beyond


def test_allocating_a_whole_snapshot_equals_direct_overlay(boundaries_full, deepstate_daily):
    # A whole snapshot (thousands of vertices) is cut to each tile's box before the overlay
    # with the tile (regions._near): the areas are those of one intersection per region.
    import importlib

    regions_module = importlib.import_module("geotools.regions")
    (snap,) = read_snapshots(
        [deepstate_daily / "20250601.geojson.gz"], options=ReadOptions(crs=LAEA)
    )
    occupied = snap.geometries["occupied"]
    assert shapely.get_num_coordinates(occupied) > 5 * regions_module.NEAR_VERTICES
    layer = read_regions(boundaries_full, LAEA)
    got = layer.allocate(occupied)
    direct = shapely.area(shapely.intersection(occupied, layer.geometries))
    for code, area in zip(layer.codes, direct, strict=True):
        assert got.get(code, 0.0) == pytest.approx(float(area), abs=1.0, rel=1e-9), code
    assert sum(got.values()) == pytest.approx(float(shapely.area(occupied)), rel=1e-12)


def test_exact_clip_is_the_overlay_with_the_box():
    # The fallback for an invalid rectangle-clipper piece: an overlay on a wider valid piece.
    from geotools.diff import _exact_clip

    shell = shapely.Polygon([(0, 0), (10, 0), (10, 10), (5, 4), (0, 10)])
    geom = shapely.difference(shell, shapely.box(2, 1, 3, 2))
    for bounds in [(1, 0.5, 4, 3), (4, 3, 6, 5), (-1, -1, 11, 11), (9, 9, 12, 12)]:
        box = shapely.box(*bounds)
        got = _exact_clip(geom, box)
        assert shapely.equals(got, shapely.intersection(geom, box))
        assert shapely.area(got) == pytest.approx(shapely.area(shapely.intersection(geom, box)))


def _named_layer(tmp_path, names):
    regions = gpd.GeoDataFrame(
        {"name": names},
        geometry=[box(10 * i, 0, 10 * i + 10, 10) for i in range(len(names))],
        crs=LAEA,
    )
    path = tmp_path / "named.gpkg"
    regions.to_file(path)
    return path


def test_unknown_names_warn_only_beside_known_ones(tmp_path, caplog):
    """A layer of another scheme (no name in the registry) is read without a warning; a
    misspelt oblast among known ones is warned about, naming it."""
    caplog.set_level("INFO", logger="geotools")
    read_regions(_named_layer(tmp_path, ["Zone A", "Zone B"]), LAEA, "name")
    unknown = [r for r in caplog.records if "not in the registry" in r.getMessage()]
    assert [r.levelname for r in unknown] == ["INFO"]
    caplog.clear()
    layer = read_regions(_named_layer(tmp_path, ["Kharkiv Oblast", "Donetsk Oblst"]), LAEA, "name")
    assert "UA-63" in layer.codes and "Donetsk Oblst" in layer.codes
    unknown = [r for r in caplog.records if "not in the registry" in r.getMessage()]
    assert [r.levelname for r in unknown] == ["WARNING"]
    assert "Donetsk Oblst" in unknown[0].getMessage()


@pytest.mark.parametrize(
    ("second", "overlap_km2"),
    [
        (box(0.1, 0.1, 0.2, 0.2), 0.01),  # inside the first: nested, no crossing edges
        (box(9.9999, 0, 20, 10), 0.001),  # a 100 m sliver (1e-6 of the layer's area)
        (box(10 - 1e-8, 0, 20, 10), 1e-7),  # 0.1 m²: below the area check's 1e-9 of 200 km²
        (box(0, 0, 10, 10), 100.0),  # the same polygon twice
        (box(5, 0, 15, 10), 50.0),  # half over, edges collinear along y = 0 and y = 10
    ],
    ids=["nested", "sliver", "hairline", "duplicate", "collinear"],
)
def test_every_overlap_is_found_however_it_lies(tmp_path, second, overlap_km2):
    """The overlap rule runs unless the regions' coverage union proves them a clean coverage
    (issue 20): nested, sliver, duplicate and collinear overlaps are each found, reported and
    given to the region that sorts first, so the rows never count an area twice."""
    regions = gpd.GeoDataFrame(
        {"name": ["Alpha", "Beta"]}, geometry=[box(0, 0, 10, 10), second], crs=LAEA
    )
    path = tmp_path / "regions.gpkg"
    regions.to_file(path)
    layer = read_regions(path, LAEA, "name")
    assert layer.tiling.overlaps == [("Alpha", "Beta", pytest.approx(overlap_km2, rel=1e-6))]
    union_km2 = shapely.area(shapely.union_all([box(0, 0, 10, 10), second])) / 1e6
    assert sum(layer.areas_m2().values()) / 1e6 == pytest.approx(union_km2, rel=1e-9)


def test_a_clean_coverage_keeps_its_regions_and_union(tmp_path):
    """Regions that tile cleanly skip the overlap test: the same geometries, no overlap, and
    the layer's union is their coverage union (their areas added)."""
    geoms = [box(0, 0, 10, 10), box(10, 0, 20, 10), box(0, 10, 20, 20)]
    regions = gpd.GeoDataFrame({"name": ["Alpha", "Beta", "Gamma"]}, geometry=geoms, crs=LAEA)
    path = tmp_path / "regions.gpkg"
    regions.to_file(path)
    layer = read_regions(path, LAEA, "name")
    assert layer.tiling.overlaps == [] and layer.tiling.gap_count == 0
    for got, want in zip(layer.geometries, geoms, strict=True):
        assert shapely.equals(got, want)
    assert shapely.area(layer.union) == pytest.approx(sum(g.area for g in geoms), rel=1e-12)


def test_a_part_across_tiles_of_one_region_is_all_that_regions() -> None:
    """A change part that crosses tile edges inside one region is that region's whole, with no
    overlay (issue 20: a redrawn day's slivers); beside it, a part across two regions, one
    reaching beyond every region and one across tiles into a gap are overlaid tile by tile.
    Every region's share and ``outside`` equal the direct overlay's (metres, not km)."""
    from tests.synthetic import layer_of

    regions = {"A": shapely.box(0, 0, 60_000, 60_000), "B": shapely.box(60_000, 0, 120_000, 60_000)}
    regions["C"] = shapely.box(0, 70_000, 60_000, 130_000)  # a 10 km gap between A and C
    layer = layer_of(regions)
    sliver = shapely.Polygon([(5_000, 5_000), (55_000, 50_000), (55_000, 50_000.05)])
    parts = [
        sliver,  # across tiles of A only
        shapely.Point(20_000, 40_000).buffer(3_000),  # across four tiles of A
        shapely.box(50_000, 10_000, 70_000, 12_000),  # across A and B
        shapely.box(-5_000, 30_000, 25_000, 31_000),  # across tiles of A, and beyond every region
        shapely.box(30_000, 55_000, 50_000, 75_000),  # from A across the gap into C
    ]
    geom = shapely.MultiPolygon(parts)
    assert shapely.is_valid(geom)
    union = shapely.union_all(list(regions.values()))
    for got, g in zip(layer.allocate_many([geom, *parts]), [geom, *parts], strict=True):
        for code, region in regions.items():
            want = float(shapely.area(shapely.intersection(g, region)))
            assert got.get(code, 0.0) == pytest.approx(want, rel=1e-9, abs=1e-6), code
        beyond = float(shapely.area(shapely.difference(g, union)))
        assert got.get(OUTSIDE, 0.0) == pytest.approx(beyond, rel=1e-9, abs=1e-6)


def test_one_region_rows_of_a_part_count_once_in_any_order() -> None:
    """A part's candidate rows, however they come, give its area once (on one row)."""
    from geotools.regions import _one_region

    parts = shapely.box([0, 100], [0, 0], [10, 110], [10, 10])  # areas 100 and 100
    part_idx = np.array([0, 1, 0, 1])  # each part's two rows apart
    areas = np.zeros(4)
    union = shapely.box(-1_000, -1_000, 1_000, 1_000)
    shapely.prepare(union)
    owners, cut = np.zeros(4, dtype=np.int64), np.ones(4, dtype=bool)
    taken = _one_region(parts, part_idx, owners, cut, union, areas)
    assert taken.all()
    assert areas.tolist() == [100.0, 100.0, 0.0, 0.0]
