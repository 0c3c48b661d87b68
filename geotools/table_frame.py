"""The Table's order and DataFrame from its columns (issue 20).

A run keeps its table column by column (geotools.table_rows). ``make_table`` of the rows as
dicts took 0.1–0.2 s of a raw DeepState year's table (52,925 rows) and 0.09–0.15 s of the
flattened archive's, most of it pandas finding out what each value is and sorting. Here each
text and date column is made from its distinct values, the rows are ordered with one
``lexsort`` (the order ``make_table`` gives), and the days and rates are derived with numpy as
pandas derives them. The frame is the one ``make_table`` makes, dtypes included
(tests/test_table_rows.py); columns this does not expect give None, and the caller takes
``make_table``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from geotools.table import RATE_COLUMNS, TABLE_COLUMNS, TOTAL

if TYPE_CHECKING:
    import pandas as pd

#: The columns ``area_row`` gives, in the Table's order (``days`` and the rates are derived).
STORED = [c for c in TABLE_COLUMNS if c != "days" and c not in RATE_COLUMNS]
DATES = ["period_start", "period_end", "from_date", "to_date"]
TEXTS = ["region", "region_name", "status"]
AREAS = ["area_from_km2", "area_to_km2", "gained_km2", "lost_km2", "net_km2"]
assert [*DATES, *TEXTS, *AREAS, "gap_days"] == STORED, "the columns area_row gives"


def region_order(region: str) -> tuple[bool, bool, str]:
    """A region's place within a period and status: the regions by code, then ``outside``,
    then ``total``."""
    return (region == TOTAL, region == "outside", region)


class Numbering:
    """Distinct values numbered in the order they first come (equal ones are one: ``1`` and
    ``True`` too, as pandas takes them), for columns made of their numbers."""

    def __init__(self) -> None:
        self.numbers: dict[Any, int] = {}

    @property
    def values(self) -> list[Any]:
        """The distinct values, in the order of their numbers."""
        return list(self.numbers)

    def of(self, values: Sequence[Any]) -> np.ndarray:
        """The number of each of ``values`` (new ones numbered now)."""
        numbers = self.numbers
        for v in dict.fromkeys(values):
            numbers.setdefault(v, len(numbers))
        return np.fromiter(map(numbers.__getitem__, values), dtype=np.intp, count=len(values))


def _ranks(coded: _Coded, key: Callable[[Any], Any] | None = None) -> np.ndarray:
    """Each row's place among the column's distinct values sorted (by ``key``)."""
    distinct = coded.uniques
    order = sorted(range(len(distinct)), key=lambda i: _by(key, distinct[i]))
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    out: np.ndarray = rank[coded.codes]
    return out


def _by(key: Callable[[Any], Any] | None, value: Any) -> Any:
    return value if key is None else key(value)


class _Coded:
    """A column as the numbers of its distinct values."""

    def __init__(self, column: list[Any]) -> None:
        numbering = Numbering()
        self.codes = numbering.of(column)
        self.uniques = numbering.values


def table_order(
    columns: dict[str, list[Any]], coded: dict[str, _Coded] | None = None
) -> np.ndarray | None:
    """The rows' positions in the Table's order: by period, status, then region_order, each
    run of equal keys in the order the rows were made (``make_table``'s stable sort); None
    when the values do not compare (a date and a time, a text and a number). ``coded``: the
    columns already numbered."""
    coded = coded or {}
    keys = ("region", "status", "period_start")
    found = {c: coded[c] if c in coded else _Coded(columns[c]) for c in keys}
    try:
        return np.lexsort(
            (
                _ranks(found["region"], region_order),
                _ranks(found["status"]),
                _ranks(found["period_start"]),
            )
        )
    except TypeError:
        return None


def table_frame(columns: dict[str, list[Any]]) -> pd.DataFrame | None:
    """The Table of the ``STORED`` columns, or None when they hold anything else than plain
    values: a missing one, a date that is not a ``datetime.date``, a text that is not a
    ``str``, an area that is not a ``float``, a count that is not an ``int``."""
    import pandas as pd

    if not columns["region"]:
        return None
    if any(set(map(type, columns[c])) != {dt.date} for c in DATES):
        return None  # a datetime (or anything else) is cast otherwise by pandas
    if any(set(map(type, columns[c])) != {float} for c in AREAS):
        return None
    if set(map(type, columns["gap_days"])) != {int}:
        return None
    if any(set(map(type, columns[c])) != {str} for c in TEXTS):
        return None
    coded = {c: _Coded(columns[c]) for c in (*TEXTS, "period_start", "period_end")}
    order = table_order(columns, coded)
    if order is None:
        return None
    made: dict[str, Any] = {}
    for c in DATES:  # (fromiter: a list assigned into an object array took 5-7 ms a column)
        held = np.fromiter(columns[c], dtype=object, count=len(columns[c]))
        made[c] = pd.Series(held[order], dtype=object)
    for c in TEXTS:
        made[c] = text_column(coded[c].uniques, coded[c].codes[order])
    for c in AREAS:
        made[c] = np.asarray(columns[c], dtype=np.float64)[order]
    made["gap_days"] = np.asarray(columns["gap_days"], dtype=np.int64)[order]
    start, end = (_ordinals(coded[c])[order] for c in ("period_start", "period_end"))
    days = end - start  # (end − start).days
    made["days"] = days
    with np.errstate(divide="ignore", invalid="ignore"):  # pandas' float ÷ int: inf, nan
        for c in RATE_COLUMNS:
            made[c] = made[c.removesuffix("_per_day")] / days
    return pd.DataFrame({c: made[c] for c in TABLE_COLUMNS})


def text_column(distinct: list[Any], positions: np.ndarray) -> pd.Series:
    """The column whose rows are ``distinct[positions]``, in the dtype pandas gives a list of
    texts (``str``, or ``object`` before pandas 3), each distinct text converted once."""
    import pandas as pd

    return pd.Series(pd.Series(distinct).array.take(positions))


def _ordinals(dates: _Coded) -> np.ndarray:
    """Each row's date as its proleptic Gregorian ordinal."""
    ordinals = np.array([d.toordinal() for d in dates.uniques], dtype=np.int64)
    out: np.ndarray = ordinals[dates.codes]
    return out
