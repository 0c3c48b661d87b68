"""Period edges, the snapshot used at each edge, and gap accounting.

The change over a period [t0, t1) is S(t1) − S(t0), where S(t) is the latest snapshot dated
≤ t. ``gap_days`` counts the days d with t0 < d ≤ t1 that have no snapshot: each such day is
a daily step of the period whose closing snapshot is missing, so a row with gap_days > 0 rests
on fewer observations than days.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from geotools.errors import UsageError

PeriodKind = Literal["day", "week", "month", "quarter", "year"]
PERIOD_KINDS: tuple[str, ...] = ("day", "week", "month", "quarter", "year")


@dataclass(frozen=True)
class Period:
    """One row's time frame and the snapshots that measure it."""

    start: dt.date
    end: dt.date
    from_date: dt.date
    to_date: dt.date
    gap_days: int
    complete: bool  # both edges lie within the data (first ≤ t0, t1 ≤ last)


def floor_date(day: dt.date, kind: str) -> dt.date:
    """The start of the calendar period containing ``day`` (ISO weeks start on Monday)."""
    if kind == "day":
        return day
    if kind == "week":
        return day - dt.timedelta(days=day.weekday())
    if kind == "month":
        return day.replace(day=1)
    if kind == "quarter":
        return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    if kind == "year":
        return day.replace(month=1, day=1)
    raise UsageError(f"unknown period {kind!r}; use one of {', '.join(PERIOD_KINDS)}")


def next_edge(day: dt.date, kind: str) -> dt.date:
    """The start of the calendar period after the one starting at ``day``."""
    if kind == "day":
        return day + dt.timedelta(days=1)
    if kind == "week":
        return day + dt.timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[kind]
    total = day.year * 12 + (day.month - 1) + months
    return dt.date(total // 12, total % 12 + 1, 1)


def calendar_edges(kind: str, lo: dt.date, hi: dt.date) -> list[dt.date]:
    """Calendar boundaries b with lo ≤ b ≤ hi, plus lo and hi themselves."""
    edges = {lo, hi}
    edge = floor_date(lo, kind)
    while edge <= hi:
        if edge >= lo:
            edges.add(edge)
        edge = next_edge(edge, kind)
    return sorted(edges)


def make_periods(
    dates: Sequence[dt.date],
    kind: str | None = "month",
    start: dt.date | None = None,
    end: dt.date | None = None,
    edges: Sequence[dt.date] | None = None,
    include_partial: bool = False,
) -> list[Period]:
    """Periods over the snapshot ``dates`` with the snapshots and gaps of each.

    Calendar periods by default; ``start``/``end`` clip the first and last period;
    explicit ``edges`` replace the calendar. Periods with an edge outside the data
    (before the first or after the last snapshot) are omitted unless ``include_partial``,
    which keeps them, flagged by ``complete=False`` and their gap_days.
    """
    days = sorted(set(dates))
    if not days:
        raise UsageError("no snapshots: nothing to measure")
    first, last = days[0], days[-1]
    if start is not None and end is not None and start >= end:
        raise UsageError(f"--start {start} is not before --end {end}")
    if edges:
        cut = sorted(set(edges))
        if start is not None:
            cut = [e for e in cut if e >= start]
        if end is not None:
            cut = [e for e in cut if e <= end]
        if len(cut) < 2:
            raise UsageError("need at least two edges inside --start/--end to make a period")
    else:
        if kind is None:
            raise UsageError("give a period (--period) or explicit --edges")
        floor_date(first, kind)  # validates kind
        lo = start if start is not None else floor_date(first, kind)
        if end is not None:
            hi = end
        else:
            hi = floor_date(last, kind)
            if hi < last:
                hi = next_edge(hi, kind)
        cut = calendar_edges(kind, lo, hi)
        if start is None:
            cut = [e for e in cut if e in (lo, hi) or e == floor_date(e, kind)]
    periods = []
    for t0, t1 in itertools.pairwise(cut):
        complete = first <= t0 and t1 <= last
        if not complete and not include_partial:
            continue
        periods.append(
            Period(
                start=t0,
                end=t1,
                from_date=snapshot_at(days, t0) or first,
                to_date=snapshot_at(days, t1) or first,
                gap_days=gap_days(days, t0, t1),
                complete=complete,
            )
        )
    return periods


def snapshot_at(days: Sequence[dt.date], t: dt.date) -> dt.date | None:
    """S(t): the latest snapshot date ≤ t, or None before the first snapshot."""
    i = bisect.bisect_right(days, t)
    return days[i - 1] if i else None


def gap_days(days: Sequence[dt.date], t0: dt.date, t1: dt.date) -> int:
    """Days d with t0 < d ≤ t1 that have no snapshot (``days`` sorted, unique)."""
    lo = bisect.bisect_right(days, t0)
    hi = bisect.bisect_right(days, t1)
    return (t1 - t0).days - (hi - lo)


def omitted_periods(
    dates: Sequence[dt.date],
    kind: str | None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    edges: Sequence[dt.date] | None = None,
) -> int:
    """How many periods make_periods leaves out for lying partly outside the data."""
    full = make_periods(dates, kind, start, end, edges, include_partial=True)
    return sum(1 for p in full if not p.complete)
