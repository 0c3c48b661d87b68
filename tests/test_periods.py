import datetime as dt

import pytest

from geotools.errors import UsageError
from geotools.periods import floor_date, gap_days, make_periods, next_edge, snapshot_at

D = dt.date


def daily(first, last, missing=()):
    out, d = [], first
    while d <= last:
        if d not in missing:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def test_floor_and_next_for_each_kind():
    d = D(2024, 8, 18)  # a Sunday
    assert floor_date(d, "week") == D(2024, 8, 12)  # ISO Monday
    assert floor_date(d, "month") == D(2024, 8, 1)
    assert floor_date(d, "quarter") == D(2024, 7, 1)
    assert floor_date(d, "year") == D(2024, 1, 1)
    assert next_edge(D(2024, 12, 1), "month") == D(2025, 1, 1)
    assert next_edge(D(2024, 10, 1), "quarter") == D(2025, 1, 1)
    with pytest.raises(UsageError):
        floor_date(d, "fortnight")


def test_month_with_missing_days_reports_gaps_and_dates_used():
    days = daily(D(2024, 7, 8), D(2024, 10, 3), missing={D(2024, 8, 18), D(2024, 8, 19)})
    periods = make_periods(days, "month")
    assert [(p.start, p.end) for p in periods] == [
        (D(2024, 8, 1), D(2024, 9, 1)),
        (D(2024, 9, 1), D(2024, 10, 1)),
    ]
    aug = periods[0]
    assert aug.gap_days == 2
    assert (aug.from_date, aug.to_date) == (D(2024, 8, 1), D(2024, 9, 1))
    assert periods[1].gap_days == 0


def test_missing_edge_uses_latest_earlier_snapshot():
    days = daily(D(2024, 12, 1), D(2025, 2, 5), missing={D(2025, 1, 1)})
    dec, jan = make_periods(days, "month")
    assert dec.to_date == D(2024, 12, 31) and dec.gap_days == 1
    assert jan.from_date == D(2024, 12, 31) and jan.gap_days == 0


def test_partial_periods_omitted_or_flagged():
    days = daily(D(2024, 7, 8), D(2024, 9, 15))
    assert [p.start for p in make_periods(days, "month")] == [D(2024, 8, 1)]
    kept = make_periods(days, "month", include_partial=True)
    assert [p.complete for p in kept] == [False, True, False]
    july, _, sept = kept
    assert july.from_date == D(2024, 7, 8) and july.gap_days == 6  # July 2–7
    assert sept.to_date == D(2024, 9, 15) and sept.gap_days == 30 - 14


def test_weeks_start_on_monday():
    days = daily(D(2024, 3, 1), D(2024, 3, 31))
    weeks = make_periods(days, "week")
    assert all(p.start.weekday() == 0 for p in weeks)
    assert weeks[0].start == D(2024, 3, 4) and weeks[-1].end == D(2024, 3, 25)


def test_start_end_clip_and_explicit_edges():
    days = daily(D(2024, 1, 1), D(2024, 6, 30))
    clipped = make_periods(days, "month", start=D(2024, 2, 15), end=D(2024, 4, 10))
    assert [(p.start, p.end) for p in clipped] == [
        (D(2024, 2, 15), D(2024, 3, 1)),
        (D(2024, 3, 1), D(2024, 4, 1)),
        (D(2024, 4, 1), D(2024, 4, 10)),
    ]
    custom = make_periods(days, None, edges=[D(2024, 5, 1), D(2024, 1, 10), D(2024, 3, 3)])
    assert [(p.start, p.end) for p in custom] == [
        (D(2024, 1, 10), D(2024, 3, 3)),
        (D(2024, 3, 3), D(2024, 5, 1)),
    ]
    with pytest.raises(UsageError):
        make_periods(days, "month", start=D(2024, 3, 1), end=D(2024, 2, 1))


def test_day_periods_flag_the_zero_row_of_a_missing_day():
    days = [D(2024, 1, 1), D(2024, 1, 2), D(2024, 1, 4)]
    rows = make_periods(days, "day")
    assert [(p.start, p.from_date, p.to_date, p.gap_days) for p in rows] == [
        (D(2024, 1, 1), D(2024, 1, 1), D(2024, 1, 2), 0),
        (D(2024, 1, 2), D(2024, 1, 2), D(2024, 1, 2), 1),
        (D(2024, 1, 3), D(2024, 1, 2), D(2024, 1, 4), 0),
    ]


def test_snapshot_at_and_gap_days_helpers():
    days = [D(2024, 1, 1), D(2024, 1, 5)]
    assert snapshot_at(days, D(2023, 12, 31)) is None
    assert snapshot_at(days, D(2024, 1, 4)) == D(2024, 1, 1)
    assert snapshot_at(days, D(2024, 1, 5)) == D(2024, 1, 5)
    assert gap_days(days, D(2024, 1, 1), D(2024, 1, 5)) == 3
