"""The Table: a tidy pandas DataFrame, one row per period × region × status."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from geotools.periods import Period
from geotools.snapshot import M2_PER_KM2, Change

#: The documented columns, in order (README, "Output table").
TABLE_COLUMNS: list[str] = [
    "period_start",
    "period_end",
    "from_date",
    "to_date",
    "region",
    "status",
    "area_from_km2",
    "area_to_km2",
    "gained_km2",
    "lost_km2",
    "net_km2",
    "gap_days",
]
DATE_COLUMNS = ("period_start", "period_end", "from_date", "to_date")
AREA_COLUMNS = ("area_from_km2", "area_to_km2", "gained_km2", "lost_km2", "net_km2")
TOTAL = "total"


def change_row(period: Period, change: Change, region: str = TOTAL) -> dict[str, object]:
    """One table row for a period's change of one status (in one region)."""
    return {
        "period_start": period.start,
        "period_end": period.end,
        "from_date": period.from_date,
        "to_date": period.to_date,
        "region": region,
        "status": change.status,
        "area_from_km2": change.area_from_m2 / M2_PER_KM2,
        "area_to_km2": change.area_to_m2 / M2_PER_KM2,
        "gained_km2": change.gained_m2 / M2_PER_KM2,
        "lost_km2": change.lost_m2 / M2_PER_KM2,
        "net_km2": change.net_m2 / M2_PER_KM2,
        "gap_days": period.gap_days,
    }


def make_table(rows: Iterable[dict[str, object]]) -> pd.DataFrame:
    """A Table from row dicts: fixed column order, dates as datetime.date, sorted."""
    frame = pd.DataFrame(list(rows))
    if frame.empty:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in TABLE_COLUMNS})
    extra = [c for c in frame.columns if c not in TABLE_COLUMNS]
    frame = frame[TABLE_COLUMNS + extra]
    frame["gap_days"] = frame["gap_days"].astype("int64")
    for col in AREA_COLUMNS:
        frame[col] = frame[col].astype("float64")
    return frame.sort_values(["period_start", "region", "status"], kind="stable").reset_index(
        drop=True
    )
