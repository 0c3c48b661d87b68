"""Trends over a Table: km² a day, rolling windows over days, cumulative net, pace projections.

Pure functions over Tables (see geotools/table.py); nothing here reads files or measures
geometry. A rolling window of W days ending at ``d`` holds the periods lying within
``[d − W, d]``. It is honest about gap days: its rate divides by the days between the two
snapshots actually compared (``span_days``: the window's first ``from_date`` to its last
``to_date``), not by W, so a window ending on a day without a snapshot, or whose first period
opens on an older snapshot, reports the pace over the days it really observed, together with
the gap days inside it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from geotools.errors import UsageError

KEYS = ["region", "region_name", "status"]
#: Columns of a trend table before the per-window ones (see ``window_columns``).
TREND_COLUMNS = [
    "date",
    "period_start",
    "from_date",
    "to_date",
    "region",
    "region_name",
    "status",
    "days",
    "gap_days",
    "area_to_km2",
    "gained_km2",
    "lost_km2",
    "net_km2",
    "net_km2_per_day",
    "cumulative_net_km2",
]
PROJECTION_COLUMNS = [
    "region",
    "region_name",
    "status",
    "date",
    "area_km2",
    "region_area_km2",
    "remaining_km2",
    "window_days",
    "span_days",
    "pace_km2_per_day",
    "days_to_rest",
    "projected_date",
]
#: Printed beside every projection.
CAVEAT = (
    "a straight line from the recent pace, not a forecast: fronts speed up, stall and reverse, "
    "and the rest of a region is rarely taken at the pace of its edge"
)


def parse_windows(text: str) -> list[int]:
    """Window lengths in days from ``'7,30'`` (UsageError naming --window otherwise)."""
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or int(part) < 1:
            raise UsageError(
                f"--window {text!r}: give whole days ≥ 1 separated by commas, e.g. 7,30"
            )
        out.append(int(part))
    if not out:
        raise UsageError("--window is empty; give whole days, e.g. 7,30")
    return sorted(set(out))


def window_columns(window: int) -> list[str]:
    """The columns a window of ``window`` days adds to a trend table."""
    w = f"{window}d"
    return [
        f"gained_km2_per_day_{w}",
        f"lost_km2_per_day_{w}",
        f"net_km2_per_day_{w}",
        f"span_days_{w}",
        f"gap_days_{w}",
    ]


def _ordinal(values: pd.Series) -> np.ndarray:
    return np.array([d.toordinal() for d in values], dtype=np.int64)


def _group_trend(group: pd.DataFrame, windows: Sequence[int]) -> pd.DataFrame:
    group = group.sort_values("period_start").reset_index(drop=True)
    start = _ordinal(group["period_start"])
    end = _ordinal(group["period_end"])
    if len(group) > 1 and (start[1:] != end[:-1]).any():
        raise UsageError(
            "the table's periods are not contiguous; trends need one row per period without "
            "holes (use --period or --edges, not a table filtered by date)"
        )
    frm = _ordinal(group["from_date"])
    to = _ordinal(group["to_date"])
    sums = {
        c: np.concatenate([[0.0], np.cumsum(group[c].to_numpy(dtype="float64"))])
        for c in ("gained_km2", "lost_km2", "net_km2")
    }
    gaps = np.concatenate([[0], np.cumsum(group["gap_days"].to_numpy(dtype="int64"))])
    out = group.assign(
        date=group["period_end"],
        cumulative_net_km2=sums["net_km2"][1:],
    )
    for window in windows:
        cols = window_columns(window)
        # first row of each window: the first period starting at or after end − W
        first = np.searchsorted(start, end - window, side="left")
        last = np.arange(len(group))
        complete = start[0] <= end - window  # the window does not reach before the data
        span = (to - frm[np.minimum(first, len(group) - 1)]).astype("float64")
        usable = complete & (first <= last) & (span > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            for col, name in zip(("gained_km2", "lost_km2", "net_km2"), cols[:3], strict=True):
                total = sums[col][last + 1] - sums[col][first]
                out[name] = np.where(usable, total / span, np.nan)
        out[cols[3]] = np.where(usable, span, np.nan)
        out[cols[4]] = np.where(usable, gaps[last + 1] - gaps[first], np.nan)
    return out


def trend(table: pd.DataFrame, windows: Sequence[int] = (7, 30)) -> pd.DataFrame:
    """Per period end and region × status: the period's rate, rolling rates over each window
    (days) and the cumulative net since the first period.

    ``table`` is a series Table with contiguous periods (any length; daily for windows of a
    few days). For each window W the columns ``gained/lost/net_km2_per_day_Wd`` are the sums
    over the periods within ``[date − W, date]`` divided by ``span_days_Wd``, the days between
    the snapshots those periods compare; ``gap_days_Wd`` counts the days without a snapshot
    inside. A window reaching before the first period is empty (NaN).

    Examples
    --------
    >>> trend(result.table, windows=[7, 30])  # doctest: +SKIP
    """
    if table.empty:
        raise UsageError(
            "the table has no rows; choose a range inside the data (--start/--end) or a "
            "shorter --period"
        )
    windows = sorted(set(windows))
    if any(w < 1 for w in windows):
        raise UsageError("windows are whole days ≥ 1 (--window)")
    parts = [_group_trend(g, windows) for _, g in table.groupby(KEYS, sort=False)]
    frame = pd.concat(parts, ignore_index=True)
    cols = TREND_COLUMNS + [c for w in windows for c in window_columns(w)]
    frame = frame[cols]
    for c in cols:
        if c.startswith("gap_days_"):
            frame[c] = frame[c].astype("Int64")
    order = frame["region"].map(lambda r: (r == "total", r == "outside", r))
    frame = frame.assign(_order=order).sort_values(["date", "status", "_order"], kind="stable")
    return frame.drop(columns="_order").reset_index(drop=True)


def project(
    trend_table: pd.DataFrame,
    stocks: pd.DataFrame,
    window: int,
    *,
    regions: Sequence[str] | None = None,
) -> pd.DataFrame:
    """When the rest of each region would be under its class at the recent net pace.

    ``trend_table`` comes from ``trend`` with ``window`` among its windows; ``stocks`` holds
    ``region``, ``status``, ``area_km2`` and ``region_area_km2`` at the trend's last date
    (``geotools.stocks.stocks``). Per region and status: the area held, the area not yet held
    (``remaining_km2``), the pace (net km² a day over the last ``window`` days) and, when the
    pace is positive, ``days_to_rest`` and ``projected_date`` (the last snapshot's date plus
    those days, rounded up); none when the pace is ≤ 0. See ``CAVEAT``.
    """
    col = f"net_km2_per_day_{window}d"
    if col not in trend_table.columns:
        raise UsageError(f"the trend has no {window}-day window; add {window} to --window")
    last = trend_table[trend_table["date"] == trend_table["date"].max()]
    if regions is not None:
        last = last[last["region"].isin(list(regions))]
    held = stocks.set_index(["region", "status"])
    rows = []
    for rec in last.to_dict("records"):
        key = (rec["region"], rec["status"])
        if key not in held.index:
            continue
        stock = held.loc[key]
        area, total = float(stock["area_km2"]), float(stock["region_area_km2"])
        remaining = max(total - area, 0.0)
        pace = float(rec[col])
        days: float | None = None
        when: dt.date | None = None
        if math.isfinite(pace) and pace > 0:
            days = remaining / pace
            when = rec["to_date"] + dt.timedelta(days=math.ceil(days))
        rows.append(
            {
                "region": rec["region"],
                "region_name": rec["region_name"],
                "status": rec["status"],
                "date": rec["to_date"],
                "area_km2": area,
                "region_area_km2": total,
                "remaining_km2": remaining,
                "window_days": window,
                "span_days": rec[f"span_days_{window}d"],
                "pace_km2_per_day": pace,
                "days_to_rest": days,
                "projected_date": when,
            }
        )
    return pd.DataFrame(rows, columns=PROJECTION_COLUMNS)
