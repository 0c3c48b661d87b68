"""The timeline's compact encoding (issue 18 point 12) and the line of contact on maps (point 4).

Real data: three weeks of the DeepState archive, daily, with the 27 oblasts.
"""

import copy
import datetime as dt
import json

import numpy as np
import pytest
import shapely

from geotools.front import front
from geotools.regions import RegionSpec
from geotools.render.data import gather
from geotools.render.encode import (
    control_stream,
    decode_track,
    diff_ops,
    encode_track,
    pack_controls,
    script_payload,
    unpack_controls,
)
from geotools.render.front_layer import front_payload
from geotools.render.maps import map_payload
from geotools.render.style import CHANGE_TOLERANCE_M

START, END = dt.date(2024, 11, 1), dt.date(2024, 11, 22)


@pytest.fixture(scope="module")
def weeks(deepstate_daily, boundaries_full):
    return gather(
        [deepstate_daily],
        start=START,
        end=END,
        period="day",
        regions=RegionSpec(boundaries_full),
        show_progress=False,
    )


@pytest.fixture(scope="module")
def payload(weeks):
    return map_payload(weeks, "t")


def _controls(steps):
    """Each step's (structure, vertices) as the plain payload stores them."""
    out = []
    for step in steps:
        ref = steps[step["control_same_as"]] if step.get("control") is None else step
        out.append(control_stream(ref["control"]["features"]))
    return out


def test_every_step_decodes_to_the_control_area_drawn_without_the_encoding(payload):
    steps = copy.deepcopy(payload["steps"])
    expected = _controls(steps)
    track = pack_controls(steps, every=7)
    assert all("control" not in s and "control_same_as" not in s for s in steps)
    decoded = decode_track(track)
    assert len(decoded) == len(expected) == 21
    for (structure, verts), (want_structure, want) in zip(decoded, expected, strict=True):
        assert structure == want_structure
        assert np.array_equal(verts, want)
    # keyframes at 0, 7, 14; the other steps are differences, far smaller than a keyframe
    kinds = ["k" in s for s in track["steps"]]
    assert [i for i, k in enumerate(kinds) if k] == [0, 7, 14]
    size = [len(json.dumps(s)) for s in track["steps"]]
    key = np.mean([size[i] for i in (0, 7, 14)])
    diff = max(s for s, k in zip(size, kinds, strict=True) if not k)
    assert diff < key / 10, (diff, key)
    # and the polygons are the drawn ones: one status, rings as in the payload
    unpacked = unpack_controls(track)
    first = payload["steps"][0]["control"]["features"][0]
    assert list(unpacked[0]) == [first["properties"]["status"]]
    assert [len(p) for p in unpacked[0]["occupied"]] == [len(p) for p in first["geometry"]["q"]]


def test_a_difference_rebuilds_any_new_stream():
    rng = np.random.default_rng(18)
    old = rng.integers(-(10**7), 10**7, size=(500, 2))
    old[100] = old[400]  # a vertex held twice
    pieces = [old[300:450], rng.integers(0, 9, size=(7, 2)), old[0:120], old[400:401], old[460:]]
    new = np.concatenate(pieces)
    ops, literal = diff_ops(old, new)
    track = encode_track([old, new, new[:0], old], [[500], [len(new)], [], [500]], every=10)
    decoded = decode_track(track)
    assert np.array_equal(decoded[1][1], new) and len(decoded[2][1]) == 0
    assert np.array_equal(decoded[3][1], old) and decoded[3][0] == [500]
    # the copies are runs: a handful of operations, the 7 new vertices stored once
    assert len(literal) == 14 and len(ops) <= 14


def test_the_line_of_contact_is_the_front_commands_line(weeks, deepstate_daily, boundaries_full):
    fp = front_payload(weeks, CHANGE_TOLERANCE_M)
    assert fp is not None and len(fp["km"]) == len(weeks.steps)
    days = [s.period.to_date for s in weeks.steps]
    # the `front` command's lengths at three of the steps' snapshots
    picked = [days[0], days[10], days[-1]]
    result = front(
        [deepstate_daily],
        regions=boundaries_full,
        edges=picked,
        period=None,
        show_progress=False,
    )
    lengths = result.lengths
    total = lengths[lengths["region"] == "total"]
    for day in picked:
        want = float(total[total["date"] == day]["front_km"].iloc[0])
        assert fp["km"][days.index(day)] == pytest.approx(want, abs=1e-3)
    # the drawn line: one or more parts per step, each on the drawn control boundary's side
    lines = decode_track(fp["track"])
    for (structure, verts), km in zip(lines, fp["km"], strict=True):
        assert sum(structure) == len(verts) and km > 1000
    # it follows the days: it changes where the control area changed
    assert len({v.tobytes() for _, v in lines}) > len(lines) // 2
    # the drawn line lies along the control area's boundary (within the display tolerance)
    last = weeks.steps[-1].snapshot
    from geotools.crs import WGS84, project

    boundary = project(shapely.boundary(last.geometries["occupied"]), last.crs, WGS84)
    structure, verts = lines[-1]
    pts = shapely.points(verts / 1e5)
    assert float(np.max(shapely.distance(pts, boundary))) < 0.002  # degrees, ~200 m


def test_the_payload_in_the_page_cannot_close_the_script_and_reads_back():
    from benchmarks.timeline import payload_of

    payload = {
        "title": "</script><script>alert(1)</script>",
        "steps": [{"a": "</script><!-- \u2028&\"'\\"}],
        "control_track": {"every": 50, "steps": []},
        "front": None,
    }
    text = script_payload(payload)
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert text.count("JSON.parse(") == 3
    assert payload_of(f"geotoolsMap(m, g, {text});") == payload
