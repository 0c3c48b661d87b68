"""The transitions table is made from its distinct values (issue 20): the same DataFrame as
pandas makes of the rows one by one, dtypes included, whatever the periods and regions."""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pytest

from geotools.periods import Period
from geotools.table import TOTAL, TOTAL_NAME
from geotools.transitions import TRANSITION_COLUMNS, TransitionResult, TransitionRows

CLASSES = ["occupied", "contested", "liberated", "unmarked"]
NAMES = {"UA-14": "Donetsk Oblast", "UA-23": "Запорізька область", "outside": "Outside"}


def _period(start: dt.date, days: int, gap: int) -> Period:
    end = start + dt.timedelta(days=days)
    return Period(start, end, start, end, gap, True)


def _results(rng: random.Random, classes: list[str]) -> list[TransitionResult]:
    out = []
    for x in classes:
        for y in classes:
            if x != y:
                regions = {c: rng.uniform(0, 5e6) for c in NAMES if rng.random() < 0.5}
                out.append(TransitionResult(x, y, sum(regions.values()), regions))
    return out


def _expected(added: list[tuple[Period, list[TransitionResult], dict[str, str] | None]]):
    """The frame as pandas makes it of the rows built one by one (the plain way)."""
    rows = []
    for p, results, names in added:
        codes = [(TOTAL, TOTAL_NAME), *(names or {}).items()]
        for r in results:
            for code, label in codes:
                area = r.area_m2 if code == TOTAL else r.by_region.get(code, 0.0)
                rows.append(
                    {
                        "period_start": p.start,
                        "period_end": p.end,
                        "from_date": p.from_date,
                        "to_date": p.to_date,
                        "region": code,
                        "region_name": label,
                        "from_status": r.from_status,
                        "to_status": r.to_status,
                        "area_km2": area / 1e6,
                        "gap_days": p.gap_days,
                    }
                )
    frame = pd.DataFrame(rows, columns=TRANSITION_COLUMNS)
    frame["area_km2"] = frame["area_km2"].astype("float64")
    frame["gap_days"] = frame["gap_days"].astype("int64")
    return frame


def _added(seed: int) -> list[tuple[Period, list[TransitionResult], dict[str, str] | None]]:
    rng = random.Random(seed)
    out = []
    day = dt.date(2024, 1, 1)
    for k in range(6):
        classes = CLASSES[: rng.choice([2, 3, 4])]  # a period may know fewer classes
        days = rng.choice([1, 7])
        out.append((_period(day, days, k % 3), _results(rng, classes), NAMES))
        day += dt.timedelta(days=days)
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_coded_frame_is_the_frame_of_the_rows(seed):
    added = _added(seed)
    rows = TransitionRows()
    for p, results, names in added:
        rows.add(p, results, names)
    frame = rows.frame()
    expected = _expected(added)
    assert rows._plain_values()  # the coded path, not the fallback
    pd.testing.assert_frame_equal(frame, expected, check_exact=True)
    assert list(frame.dtypes) == list(expected.dtypes)
    keep = {TOTAL, "UA-23"}
    rows.only_regions(keep)
    only = rows.frame()
    pd.testing.assert_frame_equal(
        only, expected[expected["region"].isin(keep)].reset_index(drop=True), check_exact=True
    )


def test_no_regions_and_no_rows():
    added = _added(4)
    rows = TransitionRows()
    for p, results, _ in added:
        rows.add(p, results, None)  # a run without a region layer: total rows only
    pd.testing.assert_frame_equal(
        rows.frame(), _expected([(p, r, None) for p, r, _ in added]), check_exact=True
    )
    empty = TransitionRows().frame()
    assert list(empty.columns) == TRANSITION_COLUMNS and empty.empty
    none_moved = TransitionRows()
    none_moved.add(added[0][0], [], NAMES)  # a period without classes to move between
    pd.testing.assert_frame_equal(none_moved.frame(), empty)


def test_a_period_with_a_time_goes_the_plain_way():
    added = _added(5)
    p, results, names = added[0]
    odd = Period(dt.datetime(2024, 1, 1, 12), p.end, p.from_date, p.to_date, p.gap_days, p.complete)
    added[0] = (odd, results, names)
    rows = TransitionRows()
    for period, res, nm in added:
        rows.add(period, res, nm)
    assert not rows._plain_values()
    pd.testing.assert_frame_equal(rows.frame(), _expected(added), check_exact=True)
