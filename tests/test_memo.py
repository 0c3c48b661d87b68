"""The raw path's shortcuts against their references (issue 20): the cluster-by-cluster dissolve
against one union_all, the part-by-part difference against one overlay, and the memos
(geotools.memo) against fresh computations: a snapshot's geometry must not depend on which
snapshots the process read before it (chunkings, workers and the cache see the same bits)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geotools import clean, memo
from geotools.clean import clean_geometries, clean_parts, touching_clusters
from geotools.partwise import difference_partwise, difference_plain
from geotools.read import ReadOptions
from geotools.read.loader import _read_profiled, parse_snapshot
from geotools.read.options import as_options
from geotools.read.refs import resolve_refs
from geotools.sources.profile import load_profile, settle
from tests import strategies as gs
from tests.conftest import data_path
from tests.test_properties import PROFILE, tol

RAW = ReadOptions(profile="deepstate-raw")


def _raw_files(start: int, stop: int) -> list:
    folder = data_path("deepstate_raw", "daily")
    if not folder.is_dir():
        pytest.skip(f"no raw DeepState data at {folder} (GEOTOOLS_TEST_DATA)")
    return sorted(folder.glob("*.geojson.gz"))[start:stop]


def _wkb(snapshot) -> dict[str, bytes]:
    return {k: shapely.to_wkb(g) for k, g in snapshot.geometries.items()}


def test_a_snapshot_does_not_depend_on_what_was_read_before() -> None:
    """Twelve raw days read forwards, backwards and each with empty memos: the same WKB, class
    by class (and the memos were used: the shortcuts are what is being tested)."""
    files = _raw_files(40, 52)
    opts = as_options(RAW)
    refs = resolve_refs(files, options=opts)
    memo.clear_all()
    opts = opts.with_crs(parse_snapshot(refs[0], opts).crs)
    fresh = {}
    for ref in refs:
        memo.clear_all()
        fresh[ref.date] = _wkb(parse_snapshot(ref, opts))
    memo.clear_all()
    forwards = {ref.date: _wkb(parse_snapshot(ref, opts)) for ref in refs}
    from geotools.clean import _CLASSES, _CLUSTERS
    from geotools.partwise import _PIECES

    assert _CLASSES.hits > 0 and _CLUSTERS.hits > 0 and _PIECES.hits > 0
    memo.clear_all()
    backwards = {ref.date: _wkb(parse_snapshot(ref, opts)) for ref in reversed(refs)}
    assert forwards == fresh
    assert backwards == fresh


def test_settled_raw_classes_equal_the_plain_overlays() -> None:
    """settle (part by part, memoised) against the plain precedence overlays, on 8 raw days of
    2024: the same territory to 1 m² (the symmetric difference), every class valid."""
    profile = load_profile("deepstate-raw")
    opts = as_options(RAW)
    memo.clear_all()
    for path in _raw_files(200, 208):
        ref = resolve_refs([path], options=opts)[0]
        captured: dict = {}

        def keep(p, dissolved, captured=captured):
            captured.update(dissolved)
            return settle(p, dissolved)

        import geotools.read.loader as loader

        original = loader.settle_classes
        loader.settle_classes = keep
        try:
            snap = parse_snapshot(ref, opts)
            snap.geometries[profile.classes[0]]  # the classes are made when first read
        finally:
            loader.settle_classes = original
        earlier: list = []
        for cls in profile.classes:
            plain = captured.get(cls, shapely.MultiPolygon())
            for other in earlier:
                plain = difference_plain(plain, other)
            got = snap.geometries[cls]
            assert shapely.is_valid(got), (path.name, cls)
            gap = shapely.area(shapely.symmetric_difference(got, plain))
            assert gap <= tol(shapely.area(plain)), (path.name, cls, gap)
            if not shapely.is_empty(plain):
                earlier.append(plain)


def test_cluster_dissolve_equals_one_union_on_raw_layers() -> None:
    """DeepState's 60-odd liberated layers of one day dissolved cluster by cluster (about 20
    clusters) against one union_all of them: the same territory."""
    from geotools.read.raw import read_raw
    from geotools.sources.profile import classify

    profile = load_profile("deepstate-raw")
    path = _raw_files(150, 151)[0]
    raw = read_raw(path, None, profile.properties, missing_ok=True)
    found, _ = classify(profile, raw.geometries, raw.attributes, raw.crs, path.name)
    parts = shapely.get_parts(shapely.force_2d(raw.geometries[found == "liberated"]))
    assert len(touching_clusters(parts)) > 10
    memo.clear_all()
    dissolved, _ = clean_geometries(parts, np.full(len(parts), "liberated", dtype=object))
    plain = shapely.union_all(parts)
    assert shapely.is_valid(dissolved["liberated"])
    assert shapely.area(shapely.symmetric_difference(dissolved["liberated"], plain)) < 1e-9


def test_touching_clusters_groups_what_touches() -> None:
    """Boxes that touch (even at a corner, even through a third) share a cluster; apart ones
    do not; clusters list their members in order, by first member."""
    boxes = np.array(
        [
            shapely.box(0, 0, 1, 1),
            shapely.box(5, 5, 6, 6),
            shapely.box(1, 1, 2, 2),  # corner of 0
            shapely.box(9, 0, 10, 1),
            shapely.box(2, 0, 3, 1.5),  # edge of 2: joins 0 through 2
        ],
        dtype=object,
    )
    assert [c.tolist() for c in touching_clusters(boxes)] == [[0, 2, 4], [1], [3]]


@settings(PROFILE, max_examples=150)
@given(gs.territories(), gs.territories())
def test_partwise_difference_equals_the_overlay(a, b) -> None:
    """a − b part by part (each part minus its clipped piece of b) against one overlay."""
    memo.clear_all()
    got = difference_partwise(a, b)
    plain = difference_plain(a, b)
    assert shapely.is_valid(got)
    assert shapely.area(shapely.symmetric_difference(got, plain)) <= tol(shapely.area(a))


@settings(PROFILE, max_examples=150)
@given(gs.mosaic_pairs(), st.booleans())
def test_partwise_difference_on_shared_edges(pair, swap) -> None:
    """Territories made of one grid's cells (exactly shared edges, the case of adjacent status
    classes): the same result as the overlay, twice in a row (the second from the memo)."""
    a, b = pair if not swap else pair[::-1]
    memo.clear_all()
    plain = difference_plain(a, b)
    for _ in range(2):
        got = difference_partwise(a, b)
        assert shapely.is_valid(got)
        assert shapely.area(shapely.symmetric_difference(got, plain)) <= tol(shapely.area(a))


@settings(PROFILE, max_examples=100)
@given(st.lists(gs.territories(), min_size=2, max_size=5))
def test_clean_geometries_memo_and_clusters_equal_one_union(parts) -> None:
    """Random overlapping and apart territories of one class: the clustered, memoised
    dissolve covers what one union_all covers, and a second call gives the same bits."""
    geoms = np.array(
        [shapely.affinity.translate(g, xoff=i * 3_000.0 * (i % 2)) for i, g in enumerate(parts)],
        dtype=object,
    )
    statuses = np.full(len(geoms), "occupied", dtype=object)
    memo.clear_all()
    first, _ = clean_geometries(geoms, statuses)
    again, _ = clean_geometries(geoms, statuses)
    plain = shapely.union_all(geoms)
    got = first["occupied"]
    assert shapely.to_wkb(again["occupied"]) == shapely.to_wkb(got)
    assert shapely.is_valid(got)
    assert shapely.area(shapely.symmetric_difference(got, plain)) <= tol(shapely.area(plain))


def test_memo_keeps_at_most_its_size() -> None:
    """Two generations of size / 2: what is asked for again survives a turn, what is not is
    forgotten after two; never more than ``size`` entries; a hit is not computed again."""
    m: memo.Memo[int] = memo.Memo(4)
    assert m.get("a", len, "x") == 1
    assert m.get("b", len, "yy") == 2  # the newer generation is full: it becomes the older
    assert m.get("a", len, "ignored") == 1  # a hit in the older: moved to the newer
    assert m.get("c", len, "zzz") == 3  # full again: a and c older, b forgotten
    assert len(m) <= 4
    assert m.get("a", len, "ignored") == 1
    assert m.get("b", len, "bbbb") == 4  # computed again
    assert (m.hits, m.misses) == (2, 4)
    for k in range(100):
        m.get(k, int, str(k))
        assert len(m) <= 4


def test_feature_decisions_follow_the_file_when_rules_read_it(tmp_path) -> None:
    """A rule on ``@file``: the same feature in two files gets each file's class (the
    decision memo keys on the file then), and the second reading of a file is a memo hit."""
    import json

    from geotools.sources.profile import _DECISIONS, classify

    doc = {
        "name": "by-file",
        "properties": ["name"],
        "classes": ["occupied", "contested"],
        "rules": [
            {"status": "occupied", "when": {"@file": "occ"}},
            {"status": "contested", "when": {"name": "grey"}},
        ],
    }
    path = tmp_path / "by-file.json"
    path.write_text(json.dumps(doc))
    profile = load_profile(path)
    geoms = np.array([shapely.box(37.0, 48.0, 37.1, 48.1)], dtype=object)
    attrs = {"name": np.array(["grey"], dtype=object)}
    from geotools.crs import WGS84

    memo.clear_all()
    seen = [
        classify(profile, geoms.copy(), attrs, WGS84, name)[0][0]
        for name in ("20240101_occ.geojson", "20240102.geojson", "20240101_occ.geojson")
    ]
    assert seen == ["occupied", "contested", "occupied"]
    assert (_DECISIONS.hits, _DECISIONS.misses) == (1, 2)
    # a profile whose rules do not read the file: one decision serves both files
    shipped = load_profile("deepstate-raw")
    memo.clear_all()
    attrs = {"name": np.array(["Сіра зона /// Gray area /// geoJSON.status.unknown"], dtype=object)}
    for name in ("a.geojson", "b.geojson"):
        assert classify(shipped, geoms.copy(), attrs, WGS84, name)[0][0] == "contested"
    assert (_DECISIONS.hits, _DECISIONS.misses) == (1, 1)


def test_a_profile_without_properties_classifies_by_its_file(tmp_path) -> None:
    """A profile that names no property (its rules read the file's name only): every polygon
    is decided, by the file, and the report counts it (classify reads the properties a
    column at a time: with none, each feature's values are empty, not missing)."""
    import json

    from geotools.crs import WGS84
    from geotools.sources.profile import classify

    doc = {
        "name": "file-only",
        "classes": ["occupied", "contested"],
        "rules": [{"status": "occupied", "when": {"@file": "occ"}}],
    }
    path = tmp_path / "file-only.json"
    path.write_text(json.dumps(doc))
    profile = load_profile(path)
    assert profile.properties == ()
    geoms = np.array(
        [
            shapely.box(37.0, 48.0, 37.1, 48.1),
            shapely.Point(37.0, 48.0),
            shapely.box(37.2, 48.0, 37.3, 48.1),
        ],
        dtype=object,
    )
    memo.clear_all()
    statuses, report = classify(profile, geoms.copy(), {}, WGS84, "20240101_occ.geojson")
    assert statuses.tolist() == ["occupied", "other", "occupied"]
    assert report.features == {"occupied": 2, "other": 1} and report.points == 1
    statuses, report = classify(profile, geoms.copy(), {}, WGS84, "20240102.geojson")
    assert statuses.tolist() == ["other", "other", "other"]


def test_union_change_from_its_one_moving_member() -> None:
    """russian_control on raw days where only ``occupied`` moved (the 2014 areas stay): its
    Change is occupied's, and equals the union measured directly (to float noise)."""
    from geotools.diff import diff_snapshots

    opts = as_options(RAW)
    refs = resolve_refs(_raw_files(230, 236), options=opts)
    memo.clear_all()
    opts = opts.with_crs(parse_snapshot(refs[0], opts).crs)
    snaps = [parse_snapshot(r, opts) for r in refs]
    unions = {"russian_control": ("occupied", "occupied_pre2022")}
    for a, b in itertools.pairwise(snaps):
        pre_same = shapely.equals_identical(
            a.geometries["occupied_pre2022"], b.geometries["occupied_pre2022"]
        )
        assert pre_same  # the premise: the 2014 areas do not move within a week of 2024
        short = {c.status: c for c in diff_snapshots(a, b, unions=unions)}
        plain = {c.status: c for c in diff_snapshots(a, b)}
        rc, occ = short["russian_control"], short["occupied"]
        assert rc.gained is occ.gained and rc.lost is occ.lost
        for kind in ("gained_m2", "lost_m2", "area_from_m2", "area_to_m2"):
            want = getattr(plain["russian_control"], kind)
            assert getattr(rc, kind) == pytest.approx(want, rel=1e-9, abs=1e-3), kind
        for status in ("contested", "liberated", "occupied", "occupied_pre2022"):
            # short: measured from the parts (no union named, ``plain`` diffs the classes)
            want = plain[status].gained_m2
            assert short[status].gained_m2 == pytest.approx(want, rel=1e-9, abs=1e-3)


def test_memo_shared_by_threads() -> None:
    """Eight threads hammering one small memo (a Dask worker's threads share the process's
    memos): every answer right, no error from entries evicted under another thread."""
    from concurrent.futures import ThreadPoolExecutor

    m: memo.Memo[int] = memo.Memo(8)

    def work(seed: int) -> bool:
        return all(m.get(k % 13, int, str(k % 13)) == k % 13 for k in range(seed, seed + 3000))

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(work, range(8)))
    assert len(m) <= 8


def test_classes_projected_cluster_by_cluster_are_the_whole_projected(monkeypatch) -> None:
    """Ten raw days: each class projected and checked cluster by cluster (what a day that
    moves one cluster pays for) has the WKB of the class projected whole, and the path was
    taken (classes of several clusters, most clusters given back from the memo). The profile
    is deepstate-raw with overlapping classes (as ISW's): a disjoint profile's snapshot is
    kept as its parts (geotools.parts), not projected class by class."""
    import dataclasses

    import geotools.read.loader as loader

    overlapping = dataclasses.replace(load_profile("deepstate-raw"), disjoint=False)
    opts = as_options(ReadOptions(profile=overlapping))
    refs = resolve_refs(_raw_files(60, 70), options=opts)
    memo.clear_all()
    opts = opts.with_crs(parse_snapshot(refs[0], opts).crs)
    taken: list[int] = []
    real = loader._apart

    def counting(geoms):
        taken.append(len(geoms))
        return real(geoms)

    monkeypatch.setattr(loader, "_apart", counting)
    memo.clear_all()
    by_cluster = [_wkb(parse_snapshot(ref, opts)) for ref in refs]
    assert len(taken) >= len(refs) and max(taken) > 10
    assert loader._PROJECTED.hits > loader._PROJECTED.misses
    monkeypatch.setattr(loader, "clusters_of", lambda geom: None)
    memo.clear_all()
    whole = [_wkb(parse_snapshot(ref, opts)) for ref in refs]
    assert by_cluster == whole


def test_apart_tells_touching_clusters_from_apart_ones() -> None:
    """The check that lets projected clusters form one MultiPolygon: boxes that meet are
    tested (a shared corner or edge is not apart), boxes that do not are apart."""
    from geotools.read.loader import _apart

    memo.clear_all()
    a, b, c = shapely.box(0, 0, 1, 1), shapely.box(2, 0, 3, 1), shapely.box(3, 1, 4, 2)
    ring = shapely.box(-5, -5, 5, 5).difference(shapely.box(-4, -4, 4, 4))  # boxes meet
    assert _apart([a, b]) and _apart([a, ring])
    assert not _apart([a, b, c])  # b and c share a corner
    assert not _apart([a, shapely.box(1, 0, 2, 1)])  # a shared edge
    assert _apart([a, b]) and _apart([a, ring])  # again, from the memo


def test_held_memo_answers_for_the_very_objects_only() -> None:
    """An identity memo answers for the objects it holds, not for equal copies, keeps
    ``extra`` apart, keeps False (not absent), and is emptied by clear_all."""
    held: memo.HeldMemo[bool] = memo.HeldMemo(8)
    a, b = shapely.box(0, 0, 1, 1), shapely.box(0, 0, 1, 1)  # equal, not the same
    held.put((a,), False, extra="x")
    assert held.peek((a,), "x") is False
    assert held.peek((b,), "x") is None and held.peek((a,), "y") is None
    assert held.get((a, b), lambda: True) is True and held.peek((b, a)) is None
    memo.clear_all()
    assert held.peek((a,), "x") is None


def _cleaned_whole(geoms: np.ndarray, statuses: np.ndarray) -> tuple:
    """clean_parts' general path (every feature made 2-D, exploded, encoded and checked)."""
    flat, named, report = clean._present_2d(geoms, statuses)
    parts, part_status, keys = clean._clean_parts(flat, named, report, True)
    return parts, part_status, keys, report


def _same_cleaning(got: tuple, want: tuple) -> None:
    assert list(shapely.to_wkb(got[0])) == list(shapely.to_wkb(want[0]))
    assert got[1].tolist() == want[1].tolist()
    assert (got[2] is None) == (want[2] is None)
    if want[2] is not None:
        assert got[2].tolist() == want[2].tolist()
    assert got[3] == want[3]


def test_features_cleaned_through_the_memo_equal_the_whole_cleaning() -> None:
    """Raw days, each feature's cleaning kept by its geometry object (clean._CLEANED): the
    same parts in the same order, classes, WKB and report as cleaning every feature, and a
    day repeats most of the day before's cleanings."""
    opts = as_options(RAW)
    refs = resolve_refs(_raw_files(100, 106), options=opts)
    memo.clear_all()
    for ref in refs:
        geoms, statuses, *_ = _read_profiled(ref, opts.profile)
        _same_cleaning(clean_parts(geoms, statuses), _cleaned_whole(geoms, statuses))
    assert clean._CLEANED.hits > 3 * clean._CLEANED.misses > 0


def test_mixed_features_cleaned_through_the_memo_keep_the_general_order() -> None:
    """Polygons (one with Z), MultiPolygons, a missing and an empty geometry: every single
    polygon first, then the MultiPolygons' parts, as the general path explodes them; twice
    (the second time from the memo). A feature with an invalid part is left to the general
    path, which repairs it."""
    a, b, c = (shapely.box(x, 0, x + 1, 1) for x in (0, 3, 6))
    z = shapely.force_3d(shapely.box(10, 0, 11, 1), 2.0)
    multi = shapely.MultiPolygon([shapely.box(20, 0, 21, 1), shapely.box(22, 0, 23, 1)])
    geoms = np.array([multi, a, None, shapely.Polygon(), z, shapely.MultiPolygon([b]), c])
    statuses = np.array(["x", "y", "x", "y", "x", "y", "x"], dtype=object)
    memo.clear_all()
    for _ in range(2):
        got = clean_parts(geoms, statuses)
        want = _cleaned_whole(geoms, statuses)
        _same_cleaning(got, want)
        assert got[1].tolist() == ["y", "x", "x", "x", "x", "y"]
    assert clean._CLEANED.hits == 5
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    with_bad = np.array([a, bowtie], dtype=object)
    named = np.array(["x", "x"], dtype=object)
    got = clean_parts(with_bad, named)
    _same_cleaning(got, _cleaned_whole(with_bad, named))
    assert got[3].invalid_repaired == 1


def test_features_that_never_come_back_are_cleaned_the_general_way(monkeypatch) -> None:
    """Fresh objects on every call (a reader without the feature memo): the memo is filled on
    calls 1, 4, 8 and 14 only (after 1, 2 and 4 calls the general way), each call's result that
    of the general path; once the same objects come back, the memo answers again."""
    memo.clear_all()
    cleaned: list[int] = []  # the calls that cleaned a feature one by one (filled the memo)
    now = [0]
    one = clean._clean_one
    monkeypatch.setattr(clean, "_clean_one", lambda g, *a: cleaned.append(now[0]) or one(g, *a))
    statuses = np.array(["x", "y"], dtype=object)
    for now[0] in range(1, 16):
        geoms = np.array([shapely.box(0, 0, 1, 1), shapely.box(2, 0, 3, 1)], dtype=object)
        _same_cleaning(clean_parts(geoms, statuses), _cleaned_whole(geoms, statuses))
    assert sorted(set(cleaned)) == [1, 4, 8, 14]
    hits = []
    for now[0] in range(16, 28):  # the same objects from now on (15 looked: 8 calls skip)
        _same_cleaning(clean_parts(geoms, statuses), _cleaned_whole(geoms, statuses))
        hits.append(clean._CLEANED.hits)
    assert sorted(set(cleaned)) == [1, 4, 8, 14, 24]
    assert hits[-1] - hits[-2] == 2 and hits[-2] - hits[-3] == 2  # both features kept
    rep = clean._REPETITION  # a long run of new features: the wait stops growing
    rep.fill, rep.wait = False, clean.MAX_SKIPPED_CALLS
    fresh = np.array([shapely.box(5, 0, 6, 1), shapely.box(7, 0, 8, 1)], dtype=object)
    _same_cleaning(clean_parts(fresh, statuses), _cleaned_whole(fresh, statuses))
    assert rep.skip == rep.wait == clean.MAX_SKIPPED_CALLS
