"""A disjoint profile's snapshot kept as its parts (geotools.parts, issue 20): the change measured
inside the windows where two days' parts differ equals the change of the classes made whole
(precedence overlays, then a plain difference), on generated days and on raw DeepState days;
the parts survive the cache; chunked series carry the same areas."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from geotools import memo
from geotools.diff import diff_geometries, diff_snapshots
from geotools.parts import Parts, change_windows, oriented_segments, parts_change
from geotools.read import ReadOptions, load_snapshot
from geotools.read.loader import parse_snapshot
from geotools.read.options import as_options
from geotools.read.refs import resolve_refs
from geotools.sources.profile import load_profile
from tests import strategies as gs
from tests.conftest import data_path
from tests.test_properties import PROFILE, tol

CLASSES = ("a", "b", "c")
RAW = ReadOptions(profile="deepstate-raw")


def _raw_files(start: int, stop: int) -> list:
    folder = data_path("deepstate_raw", "daily")
    return sorted(folder.glob("*.geojson.gz"))[start:stop]


def _classes(parts: Parts) -> dict[str, shapely.Geometry]:
    """The reference: each class the union of its parts, minus every earlier class."""
    out: dict[str, shapely.Geometry] = {}
    earlier = shapely.MultiPolygon()
    for cls in parts.classes:
        mine = [g for g, s in zip(parts.geoms, parts.statuses, strict=True) if s == cls]
        union = shapely.union_all(mine) if mine else shapely.MultiPolygon()
        out[cls] = gs.polygonal_part(shapely.difference(union, earlier))
        earlier = shapely.union(earlier, union)
    return out


def _check(before: Parts, after: Parts) -> None:
    moved = parts_change(before, after, {"ab": ("a", "b")}, thrifty=False)
    assert moved is not None
    was, now = _classes(before), _classes(after)
    was["ab"] = shapely.union(was["a"], was["b"])
    now["ab"] = shapely.union(now["a"], now["b"])
    for name, (gained, lost) in moved.items():
        want_gained, want_lost = diff_geometries(was[name], now[name])
        for got, want in ((gained, want_gained), (lost, want_lost)):
            gap = shapely.area(shapely.symmetric_difference(got, want))
            assert gap <= tol(shapely.area(want)), (name, gap)


def _day(draw: st.DrawFn, pool: list[tuple[shapely.Geometry, str]]) -> Parts:
    picked = draw(st.lists(st.sampled_from(range(len(pool))), min_size=0, max_size=len(pool)))
    geoms = [pool[i][0] for i in picked]
    statuses = [pool[i][1] for i in picked]
    return Parts.of(np.asarray(geoms, dtype=object), np.asarray(statuses, dtype=object), CLASSES)


@st.composite
def two_days(draw: st.DrawFn) -> tuple[Parts, Parts]:
    """Two days drawn from one pool of parts (shapes and holed polygons, each with a class;
    the same shape may come in two classes, twice, or not at all): most parts are shared,
    some come, go or change class, and parts of any classes overlap or touch."""
    shapes = draw(st.lists(st.one_of(gs.shapes(), gs.holed_polygons()), min_size=1, max_size=7))
    pool = [(g, draw(st.sampled_from(CLASSES))) for g in shapes]
    pool += [(g, draw(st.sampled_from(CLASSES))) for g in draw(st.lists(st.sampled_from(shapes)))]
    return _day(draw, pool), _day(draw, pool)


@PROFILE
@given(two_days())
def test_windows_hold_every_change_of_the_class_map(days: tuple[Parts, Parts]) -> None:
    """Generated days on a grid (touching and overlapping parts of every class, repeated
    parts, holes, parts that change class): the change measured inside the windows is the
    change of the classes made whole, class by class and for a union of two classes."""
    before, after = days
    _check(before, after)


def test_a_part_that_changes_class_only_is_a_change() -> None:
    """The same polygon, liberated one day and occupied the next: its segments are the same,
    but not in the same class, so the windows hold it."""
    square = shapely.box(0, 0, 10, 10)
    other = shapely.box(10, 0, 20, 10)
    one = Parts.of(np.asarray([square, other], dtype=object), np.asarray(["c", "b"]), CLASSES)
    two = Parts.of(np.asarray([square, other], dtype=object), np.asarray(["a", "b"]), CLASSES)
    moved = parts_change(one, two, thrifty=False)
    assert moved is not None
    assert shapely.area(moved["a"][0]) == pytest.approx(100.0)
    assert shapely.area(moved["c"][1]) == pytest.approx(100.0)
    assert shapely.is_empty(moved["b"][0]) and shapely.is_empty(moved["b"][1])


def test_a_repeated_part_that_goes_once_leaves_the_map_alone_but_is_windowed() -> None:
    """A part listed twice one day and once the next: the class map is the same (no change),
    and the repeated segments make a window rather than being taken as unchanged."""
    square = shapely.box(0, 0, 10, 10)
    one = Parts.of(np.asarray([square, square], dtype=object), np.asarray(["a", "a"]), CLASSES)
    two = Parts.of(np.asarray([square], dtype=object), np.asarray(["a"]), CLASSES)
    boxes = change_windows(one, two, thrifty=False)
    assert boxes is not None and len(boxes) == 1
    moved = parts_change(one, two, thrifty=False)
    assert moved is not None
    assert all(shapely.is_empty(g) and shapely.is_empty(lo) for g, lo in moved.values())


def test_segments_are_oriented_whatever_the_input() -> None:
    """Shells counterclockwise, holes clockwise, whichever way the rings were written."""
    shell = [(0, 0), (0, 10), (10, 10), (10, 0), (0, 0)]  # clockwise
    hole = [(2, 2), (4, 2), (4, 4), (2, 4), (2, 2)]  # counterclockwise
    for poly in (shapely.Polygon(shell, [hole]), shapely.Polygon(shell[::-1], [hole[::-1]])):
        rows = oriented_segments(poly)
        # the signed area of the shell's rows is positive (ccw), the hole's negative (cw)
        signed = 0.5 * (rows[:, 0] * rows[:, 3] - rows[:, 2] * rows[:, 1])
        assert signed[:4].sum() == pytest.approx(100.0)
        assert signed[4:].sum() == pytest.approx(-4.0)


def test_windows_too_wide_hand_the_pair_to_the_classes() -> None:
    """Days that share nothing: the windows would cover everything, so parts_change says
    None (diff_snapshots then diffs the classes); unthrifty, it measures them all the same."""
    one = Parts.of(np.asarray([shapely.box(0, 0, 10, 10)], dtype=object), ["a"], CLASSES)
    two = Parts.of(np.asarray([shapely.box(5, 5, 15, 15)], dtype=object), ["a"], CLASSES)
    assert parts_change(one, two) is None
    moved = parts_change(one, two, thrifty=False)
    assert moved is not None
    assert shapely.area(moved["a"][0]) == pytest.approx(75.0)
    assert shapely.area(moved["a"][1]) == pytest.approx(75.0)


def test_raw_days_measured_from_parts_equal_the_classes_diffed() -> None:
    """Twelve raw DeepState days of 2024 (and a pair a week apart): every class's and
    russian_control's gained and lost polygons from the parts equal those of the classes
    made whole and diffed (the path before issue 20's parts), to 1 m²; the areas carried
    from the first day equal the classes' measured areas."""
    opts = as_options(RAW)
    refs = resolve_refs(_raw_files(240, 252), options=opts)
    memo.clear_all()
    opts = opts.with_crs(parse_snapshot(refs[0], opts).crs)
    snaps = [parse_snapshot(r, opts) for r in refs]
    assert all(s.parts is not None for s in snaps)
    unions = {"russian_control": ("occupied", "occupied_pre2022")}
    pairs = [*itertools.pairwise(snaps), (snaps[0], snaps[7])]
    taken = 0
    for a, b in pairs:
        fast = {c.status: c for c in diff_snapshots(a, b, unions=unions)}
        taken += all(c.area_carried for c in fast.values())
        for status, change in fast.items():
            want_gained, want_lost = diff_geometries(a.geometries[status], b.geometries[status])
            for got, want in ((change.gained, want_gained), (change.lost, want_lost)):
                gap = shapely.area(shapely.symmetric_difference(got, want))
                assert gap <= tol(shapely.area(want)), (a.date, b.date, status, gap)
            measured = b.area_m2(status)
            assert change.area_to_m2 == pytest.approx(measured, rel=1e-9, abs=1e-3), status
    # the parts measured most pairs (a day that redraws most of its parts, and the week,
    # are diffed as classes: change_windows' thrift); both are held to the reference above
    assert taken >= 8, taken


def test_parts_survive_the_cache(tmp_path, monkeypatch) -> None:
    """A raw day written to the parsed cache and read back: the same parts (WKB, classes, in
    order) and the same classes when made; the change from cached days is the fresh one."""
    monkeypatch.setenv("GEOTOOLS_CACHE", str(tmp_path / "cache"))
    opts = as_options(RAW)
    refs = resolve_refs(_raw_files(100, 102), options=opts)
    memo.clear_all()
    opts = opts.with_crs(parse_snapshot(refs[0], opts).crs)
    fresh = [load_snapshot(r, options=opts) for r in refs]  # parsed, and stored
    cached = [load_snapshot(r, options=opts) for r in refs]  # read back
    for f, c in zip(fresh, cached, strict=True):
        assert f.parts is not None and c.parts is not None
        assert c.parts.keys == f.parts.keys
        assert c.parts.statuses.tolist() == f.parts.statuses.tolist()
        assert sorted(c.geometries.pending()) == sorted(c.geometries)  # nothing made yet
        for status in f.geometries:
            assert shapely.equals_identical(c.geometries[status], f.geometries[status])
    unions = {"russian_control": ("occupied", "occupied_pre2022")}
    one = diff_snapshots(*fresh, unions=unions)
    two = diff_snapshots(*cached, unions=unions)
    assert [(c.status, c.gained_m2, c.lost_m2) for c in one] == [
        (c.status, c.gained_m2, c.lost_m2) for c in two
    ]


def test_parts_collected_from_their_own_wkb_are_the_collection_encoded_whole() -> None:
    """Parts.wkb (a cache entry's blob) assembles the collection from each part's WKB: the
    bytes shapely gives for the GeometryCollection of the parts, on real raw days, on none,
    and (encoded whole then) for parts that are not all 2-D polygons."""
    opts = as_options(RAW)
    refs = resolve_refs(_raw_files(200, 203), options=opts)
    opts = opts.with_crs(parse_snapshot(refs[0], opts).crs)
    for ref in refs:
        parts = parse_snapshot(ref, opts).parts
        assert parts is not None and len(parts.keys) > 20
        whole = shapely.to_wkb(shapely.geometrycollections(parts.geoms))
        assert parts.wkb() == whole
        back = shapely.get_parts(shapely.from_wkb(parts.wkb()))
        assert list(shapely.to_wkb(back)) == parts.keys
    none = Parts.of(np.empty(0, dtype=object), np.empty(0, dtype=object), CLASSES)
    assert none.wkb() == shapely.to_wkb(shapely.GeometryCollection())
    square = shapely.box(0, 0, 1, 1)
    raised = shapely.force_3d(square, 5.0)
    mixed = Parts.of(np.array([square, raised], dtype=object), np.array(["a", "b"]), CLASSES)
    assert mixed.wkb() == shapely.to_wkb(shapely.geometrycollections(mixed.geoms))
    assert shapely.has_z(shapely.get_parts(shapely.from_wkb(mixed.wkb()))).tolist() == [
        False,
        True,
    ]


def test_a_polygon_invalid_once_projected_is_repaired_there_and_kept_as_parts(monkeypatch):
    """A feature's polygon that is not valid in the equal-area CRS is repaired there
    (make_valid) and counted; the snapshot stays as parts, each a valid Polygon, and its
    classes are the repaired polygons dissolved and settled."""
    import geotools.read.loader as loader

    real = loader.project
    spoiled_count = []

    def spoiled(geom, src, dst):  # the loader projects a file's new polygons together
        out = real(geom, src, dst)
        if isinstance(out, np.ndarray):
            made = np.empty(len(out), dtype=object)
            made[:] = [spoil(g) for g in out]
            return made
        return spoil(out)

    def spoil(out):
        ring = shapely.get_coordinates(out.exterior)
        if len(ring) < 6 or out.interiors:
            return out
        ring[[1, 2]] = ring[[2, 1]]  # two vertices swapped: the edges cross
        bad = shapely.Polygon(ring)
        spoiled_count.append(not shapely.is_valid(bad))
        return bad

    monkeypatch.setattr(loader, "project", spoiled)
    memo.clear_all()
    try:  # the memos hold the spoiled projections: forgotten whatever happens here
        _check_repaired_parts(spoiled_count)
    finally:
        memo.clear_all()


def test_a_polygon_invalid_in_its_file_is_repaired_there_as_before(tmp_path) -> None:
    """A raw snapshot's polygons are checked once, in the equal-area CRS; one that is invalid
    there and in its file too (a bowtie) sends the file through the checked cleaning, which
    repairs it in the file's CRS: the snapshot is the one that path gives, the repair
    counted."""
    import json

    import geotools.read.loader as loader

    occupied = "Окуповано /// Occupied /// geoJSON.status.occupied"
    liberated = "Звільнено /// Liberated /// geoJSON.status.dismissed"
    bowtie = shapely.Polygon([(37.0, 48.0), (37.1, 48.1), (37.1, 48.0), (37.0, 48.1)])
    assert not shapely.is_valid(bowtie)
    features = [
        {
            "type": "Feature",
            "properties": {"name": n},
            "geometry": json.loads(shapely.to_geojson(g)),
        }
        for g, n in ((bowtie, occupied), (shapely.box(36.5, 47.5, 36.8, 47.8), liberated))
    ]
    path = tmp_path / "20240501.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    opts = as_options(RAW)
    ref = resolve_refs([path], options=opts)[0]
    memo.clear_all()
    try:
        with pytest.raises(loader._RecheckError):  # the polygon proves invalid where measured
            loader._parse(ref, opts, True, checked=False)
        memo.clear_all()
        plain = loader._parse(ref, opts, True, checked=True)
        memo.clear_all()
        snap = parse_snapshot(ref, opts)
    finally:
        memo.clear_all()
    assert snap.parts is not None and plain.parts is not None
    assert snap.repairs.invalid_repaired == plain.repairs.invalid_repaired == 1
    assert snap.repairs.as_dict() == plain.repairs.as_dict()
    assert snap.parts.wkb() == plain.parts.wkb()
    assert snap.parts.statuses.tolist() == plain.parts.statuses.tolist()
    assert snap.area_km2("occupied") == plain.area_km2("occupied") > 0


def _check_repaired_parts(spoiled_count: list[bool]) -> None:
    opts = as_options(RAW)
    ref = resolve_refs(_raw_files(10, 11), options=opts)[0]
    snap = parse_snapshot(ref, opts)
    assert snap.parts is not None and sum(spoiled_count) > 10
    assert snap.repairs.invalid_after_projection == sum(spoiled_count)
    assert shapely.is_valid(snap.parts.geoms).all()
    assert set(shapely.get_type_id(snap.parts.geoms).tolist()) == {3}  # Polygons
    made = _classes(snap.parts)
    for cls in snap.parts.classes:
        assert shapely.is_valid(snap.geometries[cls])
        assert shapely.area(snap.geometries[cls]) == pytest.approx(
            shapely.area(made[cls]), rel=1e-12
        )


def test_profile_classes_keep_their_order() -> None:
    """The parts' classes are the profile's, in its precedence order."""
    opts = as_options(RAW)
    ref = resolve_refs(_raw_files(0, 1), options=opts)[0]
    snap = parse_snapshot(ref, opts)
    assert snap.parts is not None
    assert snap.parts.classes == tuple(load_profile("deepstate-raw").classes)


def test_a_snapshot_kept_as_parts_has_a_cache_key_of_its_own() -> None:
    """Entries of snapshots kept as parts hold a GeometryCollection, not classes: their key
    says so, so a profile whose classes overlap (stored as classes) never shares one, even
    with the same rules and digest, and a geotools that stored classes never reads them."""
    import dataclasses

    from geotools.read.loader import snapshot_cache_key

    disjoint = load_profile("deepstate-raw")
    overlapping = dataclasses.replace(disjoint, disjoint=False)
    ref = resolve_refs(_raw_files(0, 1), options=as_options(RAW))[0]
    one = snapshot_cache_key(ref, as_options(ReadOptions(profile=disjoint)))
    two = snapshot_cache_key(ref, as_options(ReadOptions(profile=overlapping)))
    assert one != two
    assert one == snapshot_cache_key(ref, as_options(RAW))


def test_a_pair_that_leaves_its_start_to_the_caller_makes_no_classes() -> None:
    """measure_start=False (a series' chunk after its first): the pair's change is the same,
    its areas are left unknown (NaN) and the first day's classes are not made for them; the
    next pair, measured as a first one, measures its areas again."""
    opts = as_options(RAW)
    refs = resolve_refs(_raw_files(240, 243), options=opts)
    memo.clear_all()
    opts = opts.with_crs(parse_snapshot(refs[0], opts).crs)
    unions = {"russian_control": ("occupied", "occupied_pre2022")}
    a, b, c = (parse_snapshot(r, opts) for r in refs)
    left = diff_snapshots(a, b, unions=unions, measure_start=False)
    assert set(a.geometries.pending()) == set(a.geometries)  # no class of ``a`` made
    ref_a, ref_b = (parse_snapshot(r, opts) for r in refs[:2])
    want = diff_snapshots(ref_a, ref_b, unions=unions)
    assert all(ch.area_carried for ch in want)  # (the parts measured this pair)
    for got, ref in zip(left, want, strict=True):
        assert (got.status, got.gained_m2, got.lost_m2) == (ref.status, ref.gained_m2, ref.lost_m2)
        assert np.isnan(got.area_from_m2) and np.isnan(got.area_to_m2)
    after = {ch.status: ch for ch in diff_snapshots(b, c, unions=unions)}
    for status, change in after.items():
        assert change.area_from_m2 == pytest.approx(b.area_m2(status), rel=1e-9, abs=1e-3)
        assert change.area_to_m2 == pytest.approx(c.area_m2(status), rel=1e-9, abs=1e-3)


def test_chunked_raw_series_carry_every_area_from_the_first_pair(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Raw days cut into 3 chunks in 2 processes: the chunks after the first leave their
    starting areas to the series, which carries them; the table and the kept changes'
    areas (finite, the table's own) equal a single chunk's."""
    import importlib

    from geotools.table import TOTAL

    module = importlib.import_module("geotools.series")
    files = _raw_files(150, 170)
    kw = {"period": "day", "options": RAW, "keep_changes": True, "show_progress": False}
    monkeypatch.setenv("GEOTOOLS_CACHE", str(tmp_path / "one"))
    one = module.series(files, workers=1, **kw)
    monkeypatch.setenv("GEOTOOLS_CACHE", str(tmp_path / "three"))
    monkeypatch.setattr(module, "LOCAL_CHUNKS_PER_WORKER", 3)
    assert module.chunk_sizes(len(files) - 1, 2 * 3) == [10, 5, 3, 1]
    three = module.series(files, workers=2, **kw)
    assert three.table.equals(one.table)
    totals = three.table[three.table.region == TOTAL].set_index(["from_date", "status"])
    for period, changes in three.changes:
        for change in changes:
            row = totals.loc[(period.from_date, change.status)]
            assert np.isfinite(change.area_from_m2) and np.isfinite(change.area_to_m2)
            assert change.area_from_m2 / 1e6 == pytest.approx(row.area_from_km2, abs=1e-6)
            assert change.area_to_m2 / 1e6 == pytest.approx(row.area_to_km2, abs=1e-6)
