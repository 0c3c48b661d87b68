import datetime as dt
import functools
import itertools

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS

from geotools.diff import diff_geometries, diff_snapshots
from geotools.errors import UsageError
from geotools.snapshot import Snapshot
from tests.synthetic import KM, LAEA, box, snap


@pytest.fixture(params=["fast", "reference"])
def diff(request):
    """diff_snapshots with the fast engine and with the plain reference overlay: every
    synthetic case must hold for both."""
    return functools.partial(diff_snapshots, fast=request.param == "fast")


def km2(m2):
    return m2 / 1e6


def test_square_advance_exact(diff):
    (ch,) = diff(snap(box(0, 0, 10, 10), 1), snap(box(0, 0, 13, 10), 2))
    assert km2(ch.gained_m2) == pytest.approx(30.0, abs=1e-9)
    assert ch.lost_m2 == 0.0
    assert km2(ch.net_m2) == pytest.approx(30.0, abs=1e-9)
    assert (ch.from_date, ch.to_date) == (dt.date(2024, 1, 1), dt.date(2024, 1, 2))


def test_shift_with_coincident_edges_gains_and_loses(diff):
    # Shares the top and bottom edges exactly; moves 2 km east.
    (ch,) = diff(snap(box(0, 0, 10, 10), 1), snap(box(2, 0, 12, 10), 2))
    assert km2(ch.gained_m2) == pytest.approx(20.0, abs=1e-9)
    assert km2(ch.lost_m2) == pytest.approx(20.0, abs=1e-9)
    assert ch.net_m2 == pytest.approx(0.0, abs=1e-6)


def test_hole_opening_is_a_loss_and_closing_a_gain(diff):
    outer = box(0, 0, 10, 10)
    holed = outer.difference(box(4, 4, 6, 7))
    (opened,) = diff(snap(outer, 1), snap(holed, 2))
    assert km2(opened.lost_m2) == pytest.approx(6.0, abs=1e-9)
    assert opened.gained_m2 == 0.0
    assert shapely.equals(opened.lost, box(4, 4, 6, 7))
    (closed,) = diff(snap(holed, 2), snap(outer, 3))
    assert km2(closed.gained_m2) == pytest.approx(6.0, abs=1e-9)


def test_multipolygon_part_appears_and_touching_part_merges(diff):
    a = shapely.MultiPolygon([box(0, 0, 5, 5), box(20, 0, 25, 5)])
    # the far part vanishes, a new part touches the first along x = 5
    b = shapely.MultiPolygon([box(0, 0, 5, 5), box(5, 0, 8, 5)])
    (ch,) = diff(snap(a, 1), snap(b, 2))
    assert km2(ch.gained_m2) == pytest.approx(15.0, abs=1e-9)
    assert km2(ch.lost_m2) == pytest.approx(25.0, abs=1e-9)
    assert km2(ch.net_m2) == pytest.approx(-10.0, abs=1e-9)


def test_ring_annulus_shrinks(diff):
    ring0 = box(0, 0, 30, 30).difference(box(10, 10, 20, 20))
    ring1 = box(1, 1, 29, 29).difference(box(10, 10, 20, 20))
    (ch,) = diff(snap(ring0, 1), snap(ring1, 2))
    assert km2(ch.lost_m2) == pytest.approx(900 - 784, abs=1e-9)
    assert ch.gained_m2 == 0.0


def test_diff_of_identical_is_empty(diff):
    g = box(0, 0, 10, 10).difference(box(2, 2, 3, 3))
    (ch,) = diff(snap(g, 1), snap(shapely.from_wkb(shapely.to_wkb(g)), 2))
    assert ch.is_empty and ch.gained_m2 == 0.0 and ch.lost_m2 == 0.0 and ch.net_m2 == 0.0


def test_status_missing_on_one_side_counts_whole_area(diff):
    a = Snapshot(dt.date(2024, 1, 1), "a", LAEA, {"occupied": box(0, 0, 10, 10)})
    b = Snapshot(
        dt.date(2024, 1, 2),
        "b",
        LAEA,
        {"occupied": box(0, 0, 10, 10), "contested": box(10, 0, 12, 10)},
    )
    changes = {c.status: c for c in diff(a, b)}
    assert set(changes) == {"occupied", "contested"}
    assert km2(changes["contested"].gained_m2) == pytest.approx(20.0)
    assert changes["occupied"].is_empty


def test_everything_lost_to_empty_snapshot(diff):
    (ch,) = diff(snap(box(0, 0, 10, 10), 1), snap(shapely.MultiPolygon(), 2))
    assert km2(ch.lost_m2) == pytest.approx(100.0)
    assert km2(ch.net_m2) == pytest.approx(-100.0)


def test_different_crs_refused(diff):
    other = CRS.from_epsg(3035)
    with pytest.raises(UsageError, match="different CRSs"):
        diff(snap(box(0, 0, 1, 1), 1), snap(box(0, 0, 1, 1), 2, crs=other))


def test_gained_minus_lost_equals_net_on_irregular_shapes():
    a = shapely.Point(0, 0).buffer(10 * KM, quad_segs=64)
    b = shapely.Point(3 * KM, 1 * KM).buffer(9 * KM, quad_segs=40)
    gained, lost = diff_geometries(a, b)
    assert gained.area - lost.area == pytest.approx(b.area - a.area, rel=1e-9, abs=1.0)


def test_fast_engine_equals_plain_overlay_on_the_whole_archive(deepstate_daily):
    from geotools.diff import SegmentCache, change_windows, diff_geometries_fast
    from geotools.read import read_snapshots

    snaps = read_snapshots([deepstate_daily])
    assert len(snaps) == 769
    segments = SegmentCache()  # as a series chunk holds it: each snapshot's segments once
    windowed = changed = 0
    for a, b in itertools.pairwise(snaps):
        g0, g1 = a.geometries["occupied"], b.geometries["occupied"]
        segments.retain([g0, g1])
        windows = change_windows(g0, g1, segments)
        changed += windows is None or not shapely.is_empty(windows)  # empty: identical
        windowed += windows is not None and not shapely.is_empty(windows)
        fast_gained, fast_lost = diff_geometries_fast(g0, g1, segments)
        plain_gained, plain_lost = diff_geometries(g0, g1)
        for fast, plain in ((fast_gained, plain_gained), (fast_lost, plain_lost)):
            # same polygons, not just the same area (m²)
            assert shapely.symmetric_difference(fast, plain).area <= 1.0
        assert len(segments) <= 2
    # the shortcut is what was compared: most pairs with a change took the windowed overlay
    assert changed > 500 and windowed >= 0.9 * changed


def test_segment_cache_is_owned_sized_and_reused():
    """A SegmentCache holds the current pair's geometries only (2 per class, with 6 classes
    as the raw profiles have), reuses the "after" of one pair as the "before" of the next,
    and gives the same changes as no cache."""
    from geotools.diff import SegmentCache

    classes = [f"class{k}" for k in range(6)]

    def multi(day):
        geoms = {c: box(10 * k, 0, 10 * k + 5 + day, 5 + day % 3) for k, c in enumerate(classes)}
        return Snapshot(date=dt.date(2024, 1, day), source=f"s{day}", crs=LAEA, geometries=geoms)

    days = [multi(d) for d in range(1, 6)]
    segments = SegmentCache()
    for a, b in itertools.pairwise(days):
        held_before = {c: segments.get(a.geometries[c]) for c in classes} if len(segments) else {}
        with_cache = diff_snapshots(a, b, segments=segments)
        without = diff_snapshots(a, b)
        for x, y in zip(with_cache, without, strict=True):
            assert x.status == y.status
            assert shapely.equals(x.gained, y.gained) and shapely.equals(x.lost, y.lost)
            assert x.gained_m2 == y.gained_m2 and x.lost_m2 == y.lost_m2
        assert len(segments) == 2 * len(classes)
        for c, seg in held_before.items():  # the "before" was computed once, as an "after"
            assert segments.get(a.geometries[c]) is seg


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 40), st.integers(0, 40), st.integers(0, 12), st.integers(0, 12)),
        min_size=1,
        max_size=40,
    )
)
def test_merge_boxes_by_matrix_equals_by_index_tree(rows) -> None:
    """The change windows' boxes merged through the overlap matrix (a pair's dozen boxes) and
    through the index tree (hundreds): the same boxes, in the same order; boxes on an integer
    grid touch often, and touching boxes merge."""
    from geotools import boxes as boxes_module

    boxes = np.array([(x, y, x + w, y + h) for x, y, w, h in rows], dtype=float)
    saved = boxes_module.MATRIX_BOXES
    try:
        boxes_module.MATRIX_BOXES = 256
        by_matrix = boxes_module.merge_boxes(boxes.copy())
        boxes_module.MATRIX_BOXES = 0
        by_tree = boxes_module.merge_boxes(boxes.copy())
    finally:
        boxes_module.MATRIX_BOXES = saved
    assert by_matrix.shape == by_tree.shape and (by_matrix == by_tree).all()
    x0, y0, x1, y1 = by_matrix.T  # and what comes out is apart: no two boxes meet
    meet = (x0[:, None] <= x1[None, :]) & (x0[None, :] <= x1[:, None])
    meet &= (y0[:, None] <= y1[None, :]) & (y0[None, :] <= y1[:, None])
    assert meet.sum() == len(by_matrix)
