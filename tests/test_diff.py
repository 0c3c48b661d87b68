import datetime as dt
import itertools

import pytest
import shapely
from pyproj import CRS

from geotools.diff import diff_geometries, diff_snapshots
from geotools.errors import UsageError
from geotools.snapshot import Snapshot

LAEA = CRS.from_proj4("+proj=laea +lat_0=48 +lon_0=37 +datum=WGS84 +units=m")
KM = 1000.0


def box(x0, y0, x1, y1):
    return shapely.box(x0 * KM, y0 * KM, x1 * KM, y1 * KM)


def snap(day, geom, status="occupied", crs=LAEA):
    return Snapshot(
        date=dt.date(2024, 1, day), source=f"s{day}", crs=crs, geometries={status: geom}
    )


def km2(m2):
    return m2 / 1e6


def test_square_advance_exact():
    (ch,) = diff_snapshots(snap(1, box(0, 0, 10, 10)), snap(2, box(0, 0, 13, 10)))
    assert km2(ch.gained_m2) == pytest.approx(30.0, abs=1e-9)
    assert ch.lost_m2 == 0.0
    assert km2(ch.net_m2) == pytest.approx(30.0, abs=1e-9)
    assert (ch.from_date, ch.to_date) == (dt.date(2024, 1, 1), dt.date(2024, 1, 2))


def test_shift_with_coincident_edges_gains_and_loses():
    # Shares the top and bottom edges exactly; moves 2 km east.
    (ch,) = diff_snapshots(snap(1, box(0, 0, 10, 10)), snap(2, box(2, 0, 12, 10)))
    assert km2(ch.gained_m2) == pytest.approx(20.0, abs=1e-9)
    assert km2(ch.lost_m2) == pytest.approx(20.0, abs=1e-9)
    assert ch.net_m2 == pytest.approx(0.0, abs=1e-6)


def test_hole_opening_is_a_loss_and_closing_a_gain():
    outer = box(0, 0, 10, 10)
    holed = outer.difference(box(4, 4, 6, 7))
    (opened,) = diff_snapshots(snap(1, outer), snap(2, holed))
    assert km2(opened.lost_m2) == pytest.approx(6.0, abs=1e-9)
    assert opened.gained_m2 == 0.0
    assert shapely.equals(opened.lost, box(4, 4, 6, 7))
    (closed,) = diff_snapshots(snap(2, holed), snap(3, outer))
    assert km2(closed.gained_m2) == pytest.approx(6.0, abs=1e-9)


def test_multipolygon_part_appears_and_touching_part_merges():
    a = shapely.MultiPolygon([box(0, 0, 5, 5), box(20, 0, 25, 5)])
    # the far part vanishes, a new part touches the first along x = 5
    b = shapely.MultiPolygon([box(0, 0, 5, 5), box(5, 0, 8, 5)])
    (ch,) = diff_snapshots(snap(1, a), snap(2, b))
    assert km2(ch.gained_m2) == pytest.approx(15.0, abs=1e-9)
    assert km2(ch.lost_m2) == pytest.approx(25.0, abs=1e-9)
    assert km2(ch.net_m2) == pytest.approx(-10.0, abs=1e-9)


def test_ring_annulus_shrinks():
    ring0 = box(0, 0, 30, 30).difference(box(10, 10, 20, 20))
    ring1 = box(1, 1, 29, 29).difference(box(10, 10, 20, 20))
    (ch,) = diff_snapshots(snap(1, ring0), snap(2, ring1))
    assert km2(ch.lost_m2) == pytest.approx(900 - 784, abs=1e-9)
    assert ch.gained_m2 == 0.0


def test_diff_of_identical_is_empty():
    g = box(0, 0, 10, 10).difference(box(2, 2, 3, 3))
    (ch,) = diff_snapshots(snap(1, g), snap(2, shapely.from_wkb(shapely.to_wkb(g))))
    assert ch.is_empty and ch.gained_m2 == 0.0 and ch.lost_m2 == 0.0 and ch.net_m2 == 0.0


def test_status_missing_on_one_side_counts_whole_area():
    a = Snapshot(dt.date(2024, 1, 1), "a", LAEA, {"occupied": box(0, 0, 10, 10)})
    b = Snapshot(
        dt.date(2024, 1, 2),
        "b",
        LAEA,
        {"occupied": box(0, 0, 10, 10), "contested": box(10, 0, 12, 10)},
    )
    changes = {c.status: c for c in diff_snapshots(a, b)}
    assert set(changes) == {"occupied", "contested"}
    assert km2(changes["contested"].gained_m2) == pytest.approx(20.0)
    assert changes["occupied"].is_empty


def test_everything_lost_to_empty_snapshot():
    (ch,) = diff_snapshots(snap(1, box(0, 0, 10, 10)), snap(2, shapely.MultiPolygon()))
    assert km2(ch.lost_m2) == pytest.approx(100.0)
    assert km2(ch.net_m2) == pytest.approx(-100.0)


def test_different_crs_refused():
    other = CRS.from_epsg(3035)
    with pytest.raises(UsageError, match="different CRSs"):
        diff_snapshots(snap(1, box(0, 0, 1, 1)), snap(2, box(0, 0, 1, 1), crs=other))


def test_gained_minus_lost_equals_net_on_irregular_shapes():
    a = shapely.Point(0, 0).buffer(10 * KM, quad_segs=64)
    b = shapely.Point(3 * KM, 1 * KM).buffer(9 * KM, quad_segs=40)
    gained, lost = diff_geometries(a, b)
    assert gained.area - lost.area == pytest.approx(b.area - a.area, rel=1e-9, abs=1.0)


def test_fast_engine_equals_plain_overlay_on_the_whole_archive(deepstate_daily):
    from geotools.diff import diff_geometries_fast
    from geotools.io import read_snapshots

    snaps = read_snapshots([deepstate_daily])
    assert len(snaps) == 769
    worst = 0.0
    for a, b in itertools.pairwise(snaps):
        g0, g1 = a.geometries["occupied"], b.geometries["occupied"]
        fast_gained, fast_lost = diff_geometries_fast(g0, g1)
        plain_gained, plain_lost = diff_geometries(g0, g1)
        for fast, plain in ((fast_gained, plain_gained), (fast_lost, plain_lost)):
            worst = max(worst, abs(fast.area - plain.area))
            # same polygons, not just the same area
            assert shapely.symmetric_difference(fast, plain).area <= 1.0
    assert worst <= 1.0  # m²
