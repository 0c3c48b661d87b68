"""Places on maps and in the report (geotools.render.places_layer, maps, report)."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import numpy as np
import pandas as pd
import pytest
import shapely

from geotools.places import default_places, name_key
from geotools.read import ReadOptions
from geotools.regions import RegionSpec
from geotools.render.data import gather
from geotools.render.maps import map_payload
from geotools.render.places_layer import (
    PlaceOverlay,
    label_zoom,
    place_overlay,
    range_changes,
)
from geotools.render.report import render_report

NOV, DEC = dt.date(2024, 11, 1), dt.date(2024, 12, 1)


@pytest.fixture(scope="module")
def autumn(deepstate_daily, boundaries_full):
    """September–November 2024 by month, with the places overlay of its periods."""
    common = {"regions": RegionSpec(boundaries_full), "show_progress": False}
    start = dt.date(2024, 9, 1)
    whole = gather([deepstate_daily], start=start, end=DEC, **common)
    periods = gather([deepstate_daily], start=start, end=DEC, period="month", **common)
    edges = [s.period.start for s in periods.steps] + [periods.steps[-1].period.end]
    overlay = place_overlay(
        edges, [deepstate_daily], ReadOptions(), regions=common["regions"], crs=periods.crs
    )
    return whole, periods, overlay


def test_label_zoom_biggest_first():
    zooms = label_zoom(np.array([2_900_000, 150_000, 30_000, 6_000, 900, np.nan]))
    assert zooms.tolist() == [5, 7, 8, 9, 10, 10]


def test_change_polygons_list_the_places_that_changed_inside_them(autumn):
    _, periods, overlay = autumn
    payload = map_payload(periods, "t", places=overlay)
    assert payload["places"] is not None
    for k, step in enumerate(payload["steps"]):
        period = periods.steps[k].period
        rows = overlay.changes[overlay.changes["period_start"] == period.start]
        gained = {
            name
            for f in step["changes"]["features"]
            if f["properties"]["change"] == "gained"
            for name in f["properties"].get("places", [])
        }
        # a place that went to occupied lies inside a polygon gained in that period
        to_occupied = set(rows[rows["status_to"] == "occupied"]["place"])
        assert to_occupied <= gained, (period.start, to_occupied - gained)
        # and the page marks exactly the table's rows for the step
        marked = {payload["places"]["names"][c[0]] for c in payload["places"]["changed"][k]}
        assert marked == set(rows["place"])
    october = payload["steps"][1]
    assert any(
        "Selydove" in f["properties"].get("places", []) for f in october["changes"]["features"]
    )


def test_payload_keys_match_the_python_search(autumn):
    _, periods, overlay = autumn
    payload = map_payload(periods, "t", places=overlay)["places"]
    i = payload["names"].index("Kupyansk")
    assert name_key("Kupiansk") in payload["keys"][i]
    assert len(payload["names"]) == len(payload["lat"]) == len(payload["keys"])
    # only the places around the map's data were embedded
    assert 0 < len(payload["names"]) <= len(default_places())


def test_range_changes_from_contiguous_periods():
    cols = ["period_start", "period_end", "to_date", "place_id", "place", "status_from",
            "status_to", "changed_on"]  # fmt: skip
    rows = pd.DataFrame(
        [
            [1, 2, 2, "a", "A", "unmarked", "occupied", 2],
            [2, 3, 3, "a", "A", "occupied", "unmarked", 3],  # back: no change over 1 → 3
            [2, 3, 3, "b", "B", "unmarked", "occupied", 3],
        ],
        columns=cols,
    )
    out = range_changes(rows, 1, 3)
    assert list(out["place"]) == ["B"] and list(out["period_start"]) == [1]


def test_report_has_the_settlements_section(autumn):
    whole, periods, overlay = autumn
    text = render_report(periods, whole, places=overlay)
    assert "Settlements that changed hands" in text
    section = text[text.index('id="settlements"') :]
    labels = re.findall(r'<h3 class="settlements-period">([^<]*)</h3>', section)
    assert labels == [
        "2024-09-01 → 2024-10-01",
        "2024-10-01 → 2024-11-01",
        "2024-11-01 → 2024-12-01",
    ]
    october = section.split('<h3 class="settlements-period">')[2]
    for name in ("Selydove", "Vuhledar", "Hirnyk"):
        assert f"<td>{name}</td>" in october
    # the maps carry the labels and the search (inside the srcdoc frames)
    frames = re.findall(r'srcdoc="([^"]*)"', text)
    assert len(frames) == 2
    for frame in frames:
        doc = html.unescape(frame)
        assert "gt-search" in doc and '"names"' in doc
    # one table row per row of the changes table, per period
    for k, step in enumerate(periods.steps):
        part = section.split('<h3 class="settlements-period">')[k + 1]
        rows = overlay.changes[overlay.changes["period_start"] == step.period.start]
        assert part.count("<tr>") == (len(rows) + 1 if len(rows) else 0)


def test_places_inside_a_polygon_biggest_first():
    places = default_places()
    overlay = PlaceOverlay(places)
    from pyproj import CRS

    crs = CRS.from_epsg(3035)
    box = shapely.box(37.0, 48.0, 37.6, 48.4).segmentize(0.01)
    from pyproj import Transformer

    t = Transformer.from_crs(4326, crs, always_xy=True)
    projected = shapely.transform(box, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
    (names,) = overlay.inside([projected], crs)
    inside = (places.lon > 37.0) & (places.lon < 37.6) & (places.lat > 48.0) & (places.lat < 48.4)
    expected = sorted(
        np.flatnonzero(inside),
        key=lambda i: (-np.nan_to_num(places.population[i]), places.names[i]),
    )
    shown = [str(places.names[i]) for i in expected[:12]]
    assert names[:12] == shown and names[0] == "Pokrovsk"
    assert names[-1] == f"… {len(expected) - 12} more"
    assert json.dumps(names)
