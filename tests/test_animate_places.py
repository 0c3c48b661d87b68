"""Places on animation frames: the places a frame names are the ones `geotools places` finds
for the same days, the labels and rings land where the places are, and the CLI's options."""

import datetime as dt

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geotools.place_changes import place_changes
from geotools.places import default_places
from geotools.read import load_snapshot
from geotools.regions import RegionSpec
from geotools.render.animate import collect, write_animation
from geotools.render.frame_places import FramePlaces, PlaceMark, events_text
from geotools.render.frames import FrameDrawer, View

from .conftest import run_cli

START, END = dt.date(2024, 10, 1), dt.date(2024, 11, 1)  # Selydove, Vuhledar, Hirnyk…
SIZE = (640, 360)


@pytest.fixture(scope="module")
def october(deepstate_daily, boundaries_full):
    return collect(
        [deepstate_daily],
        period="day",
        start=START,
        end=END,
        regions=RegionSpec(boundaries_full),
        region_filter=["UA-14"],
        show_progress=False,
    )


@pytest.fixture(scope="module")
def written(october, tmp_path_factory):
    path = tmp_path_factory.mktemp("anim") / "october.gif"
    result = write_animation(
        october, path, fps=4, size=SIZE, hold_last=0, places=default_places(), show_progress=False
    )
    return path, result


def test_frames_name_the_places_that_geotools_places_finds(written, deepstate_daily, october):
    _, result = written
    table = place_changes(
        [deepstate_daily], period="day", start=START, end=END, show_progress=False
    )
    to_view = Transformer.from_crs("EPSG:4326", result.view.crs, always_xy=True)
    x, y = to_view.transform(table["lon"].to_numpy(), table["lat"].to_numpy())
    x0, y0, x1, y1 = result.view.bounds
    seen = table[(x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)]
    expected = {
        (row.period_end, row.place, "gained" if row.status_to == "occupied" else "lost")
        for row in seen.itertuples()
        if "occupied" in (row.status_from, row.status_to)
    }
    events = {(e.date, e.name, e.kind) for e in result.place_events}
    assert events == expected
    names = {e.name for e in result.place_events}
    assert {"Selydove", "Vuhledar", "Hirnyk"} <= names  # October 2024, as the README says
    assert all(e.kind == "gained" for e in result.place_events if e.name == "Selydove")


def _first_snapshot(frames):
    options = frames.options
    return load_snapshot(frames.refs[frames.steps[0][0].from_date], options=options)


def _donetsk_view(frames):
    donetsk = frames.regions.geometries[[frames.regions.codes.index("UA-14")]]
    return View.fit(shapely.total_bounds(donetsk), SIZE, frames.crs)


def test_labels_avoid_each_other_and_the_texts(october):
    snap = _first_snapshot(october)
    view = _donetsk_view(october)
    moved = [c.gained for _, changes in october.steps for c in changes]
    placed = FramePlaces(default_places(), view, ["occupied"], "occupied", snap, near=moved)
    assert 5 <= len(placed.labelled) <= 24
    pixels = [view.pixel(placed.x[i], placed.y[i]) for i in placed.labelled]
    assert all(0 <= r < SIZE[1] and 0 <= c < SIZE[0] for r, c in pixels)
    # the places near the month's changes come first, whatever their size
    near = {str(placed.places.names[i]) for i in placed.labelled}
    assert {"Selydove", "Vuhledar"} <= near


def test_a_ring_is_drawn_where_its_place_is(october):
    snap = _first_snapshot(october)
    view = _donetsk_view(october)
    drawer = FrameDrawer(view, ["occupied"], "title", "source")
    plain = drawer.draw(snap, [], "2024-10-01", "totals").copy()
    cx, cy = (view.bounds[0] + view.bounds[2]) / 2, (view.bounds[1] + view.bounds[3]) / 2
    ringed = drawer.draw(
        snap, [], "2024-10-01", "totals", [PlaceMark(cx, cy, "Somewhere", "gained")]
    ).copy()
    changed = np.argwhere(np.any(ringed[:, :, :3] != plain[:, :, :3], axis=2))
    row, col = view.pixel(cx, cy)
    assert len(changed) > 50
    # the ring and its name lie right of and below the place, within 120 × 40 pixels
    assert changed[:, 0].min() >= row - 12 and changed[:, 0].max() <= row + 40
    assert changed[:, 1].min() >= col - 12 and changed[:, 1].max() <= col + 120
    again = drawer.draw(snap, [], "2024-10-01", "totals")
    assert np.array_equal(again[:, :, :3], plain[:, :, :3])  # the ring goes with its frame


def test_events_text():
    from geotools.render.frame_places import PlaceEvent

    day = dt.date(2024, 10, 1)
    events = [PlaceEvent(day, n, "gained") for n in "ABCDEF"] + [PlaceEvent(day, "Z", "lost")]
    assert events_text(events, "occupied") == ("now occupied: A, B, C, D +2\nno longer occupied: Z")
    assert events_text([], "occupied") == ""


def test_cli_min_population_needs_places(tmp_path, deepstate_daily):
    res = run_cli(
        ["animate", str(deepstate_daily), "-o", str(tmp_path / "a.gif"), "--min-population", "5"],
        module=True,
    )
    assert res.returncode == 2 and "--min-population needs --places" in res.stderr
    assert res.stderr.strip().count("\n") == 0
    assert list(tmp_path.iterdir()) == []
