"""The Table: a tidy pandas DataFrame, one row per period × region × status."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from geotools.periods import Period
from geotools.snapshot import M2_PER_KM2, Change

if TYPE_CHECKING:  # issue 20: pandas is imported where a DataFrame is made, not with the module
    import pandas as pd

#: The documented columns, in order (README, "Output table").
TABLE_COLUMNS: list[str] = [
    "period_start",
    "period_end",
    "from_date",
    "to_date",
    "region",
    "region_name",
    "status",
    "area_from_km2",
    "area_to_km2",
    "gained_km2",
    "lost_km2",
    "net_km2",
    "gap_days",
    "days",
    "gained_km2_per_day",
    "lost_km2_per_day",
    "net_km2_per_day",
]
#: Columns derived from the others in ``make_table`` (never stored, so they cannot drift).
RATE_COLUMNS = ("gained_km2_per_day", "lost_km2_per_day", "net_km2_per_day")
DATE_COLUMNS = ("period_start", "period_end", "from_date", "to_date", "date")
AREA_COLUMNS = ("area_from_km2", "area_to_km2", "gained_km2", "lost_km2", "net_km2")
TOTAL = "total"


TOTAL_NAME = "Total"


def change_row(period: Period, change: Change) -> dict[str, object]:
    """The ``total`` row for a period's change of one status."""
    return area_row(
        period,
        TOTAL,
        TOTAL_NAME,
        change.status,
        change.area_from_m2,
        change.area_to_m2,
        change.gained_m2,
        change.lost_m2,
    )


def area_row(
    period: Period,
    region: str,
    region_name: str,
    status: str,
    area_from_m2: float,
    area_to_m2: float,
    gained_m2: float,
    lost_m2: float,
) -> dict[str, object]:
    """One table row from areas in m²; net is area_to − area_from."""
    return {
        "period_start": period.start,
        "period_end": period.end,
        "from_date": period.from_date,
        "to_date": period.to_date,
        "region": region,
        "region_name": region_name,
        "status": status,
        "area_from_km2": area_from_m2 / M2_PER_KM2,
        "area_to_km2": area_to_m2 / M2_PER_KM2,
        "gained_km2": gained_m2 / M2_PER_KM2,
        "lost_km2": lost_m2 / M2_PER_KM2,
        "net_km2": (area_to_m2 - area_from_m2) / M2_PER_KM2,
        "gap_days": period.gap_days,
    }


def make_table(rows: Iterable[dict[str, object]]) -> pd.DataFrame:
    """A Table from row dicts: fixed column order, dates as datetime.date, sorted."""
    import pandas as pd

    frame = pd.DataFrame(list(rows))
    if frame.empty:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in TABLE_COLUMNS})
    frame = with_rates(frame)
    extra = [c for c in frame.columns if c not in TABLE_COLUMNS]
    frame = frame[TABLE_COLUMNS + extra]
    frame["gap_days"] = frame["gap_days"].astype("int64")
    frame["days"] = frame["days"].astype("int64")
    for col in (*AREA_COLUMNS, *RATE_COLUMNS):
        frame[col] = frame[col].astype("float64")
    order = frame["region"].map(lambda r: (r == TOTAL, r == "outside", r))
    frame = frame.assign(_order=order).sort_values(
        ["period_start", "status", "_order"], kind="stable"
    )
    return frame.drop(columns="_order").reset_index(drop=True)


def with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``days`` (the period's length, end − start) and the per-day rates
    ``gained_km2 / days``, ``lost_km2 / days``, ``net_km2 / days``, derived like net."""
    import pandas as pd

    if frame.empty:
        days = pd.Series(dtype="int64")
    else:
        days = pd.Series(
            [(e - s).days for s, e in zip(frame["period_start"], frame["period_end"], strict=True)],
            index=frame.index,
            dtype="int64",
        )
    out = frame.assign(days=days)
    for col in RATE_COLUMNS:
        out[col] = out[col.removesuffix("_per_day")].astype("float64") / days
    return out
