"""The Table before pandas: a run's rows, written as CSV without importing pandas, and made
into the DataFrame (:func:`geotools.table.make_table`) only when it is asked for.

The command line's ``series … -o table.csv`` writes this text; importing pandas alone took
half of a one-day update's wall time (issue 20). The text is the one
``write_table(make_table(rows), "x.csv")`` writes, byte for byte (tests/test_table_rows.py):
the same order, the same derived columns, the same float formatting.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from geotools.table import RATE_COLUMNS, TABLE_COLUMNS, TOTAL, make_table

if TYPE_CHECKING:
    import pandas as pd

#: The columns ``area_row`` gives (the others, ``days`` and the rates, are derived).
_STORED = frozenset(c for c in TABLE_COLUMNS if c != "days" and c not in RATE_COLUMNS)
_DATES = ("period_start", "period_end", "from_date", "to_date")
_TEXTS = ("region", "region_name", "status")
_AREAS = ("area_from_km2", "area_to_km2", "gained_km2", "lost_km2", "net_km2")


class TableRows:
    """A run's table rows (``geotools.table.area_row`` dicts), in the order they were made."""

    def __init__(self, rows: Iterable[dict[str, object]]) -> None:
        self.rows: list[dict[str, object]] = list(rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return f"TableRows({len(self.rows)} rows)"

    def only_regions(self, keep: set[str]) -> TableRows:
        """The rows of the regions in ``keep`` (the order kept, so the Table is the one
        filtered after it was made)."""
        return TableRows(r for r in self.rows if r["region"] in keep)

    def frame(self) -> pd.DataFrame:
        """The Table (a pandas DataFrame)."""
        return make_table(self.rows)

    def csv_text(self) -> str:
        """The CSV text ``geotools.output.write_table`` writes for :meth:`frame`."""
        text = _plain_text(self.rows)
        if text is None:  # an unusual table: through pandas, as before
            from geotools.output import _csv_text, _table_for_file

            text = _csv_text(_table_for_file(self.frame()))
        return text


#: One row of the file after its four dates: ``area_row``'s other values, then days and the
#: rates; ``%.6f`` is pandas' ``float_format="%.6f"``.
_LINE = ",".join(["%s"] * 3 + ["%.6f"] * 5 + ["%d", "%d"] + ["%.6f"] * 3)
_STORED_COLUMNS = [c for c in TABLE_COLUMNS if c in _STORED]
assert [*_STORED_COLUMNS, "days", *RATE_COLUMNS] == TABLE_COLUMNS, "the order _LINE writes"
assert list(_DATES) == _STORED_COLUMNS[:4], "the dates first"
_DATES_OF = itemgetter(*_DATES)
_VALUES_OF = itemgetter(*_STORED_COLUMNS[4:])
_GAINED, _LOST, _NET = (_STORED_COLUMNS[4:].index(c) for c in ("gained_km2", "lost_km2", "net_km2"))


def _plain_text(rows: list[dict[str, Any]]) -> str | None:
    """The CSV text of ``area_row`` rows, one ``%`` formatting a row; None when the rows hold
    anything the pandas path writes otherwise (a missing value, a text that needs quotes, a
    period of no days, a date with a time, another column) or there are none."""
    if not rows or set(map(len, rows)) != {len(_STORED)}:
        return None
    try:
        return _lines(rows)
    except (KeyError, TypeError, ZeroDivisionError):  # a missing column, a None, no days
        return None


def _lines(rows: list[dict[str, Any]]) -> str | None:
    """:func:`_plain_text`'s work (which turns its exceptions into None)."""
    for c in _TEXTS:
        if any(not isinstance(t, str) or _quoted(t) != t for t in set(map(itemgetter(c), rows))):
            return None
    for c in _AREAS:
        total = sum(map(itemgetter(c), rows))
        if total != total:  # a NaN (or inf − inf): written as pandas writes it
            return None
    # make_table's order: period, status, then the regions, ``outside``, ``total`` last
    ordered = sorted(
        rows,
        key=lambda r: (
            r["period_start"],
            r["status"],
            (r["region"] == TOTAL, r["region"] == "outside", r["region"]),
        ),
    )
    lines = [",".join(TABLE_COLUMNS)]
    add = lines.append
    periods: dict[tuple[dt.date, ...], tuple[str, int]] = {}  # the dates' text, the days
    for r in ordered:
        dates = _DATES_OF(r)
        known = periods.get(dates)
        if known is None:
            if any(type(d) is not dt.date for d in dates):  # a time too: written otherwise
                return None
            known = periods[dates] = (",".join(map(str, dates)) + ",", (dates[1] - dates[0]).days)
        head, days = known
        v = _VALUES_OF(r)
        add(head + _LINE % (*v, days, v[_GAINED] / days, v[_LOST] / days, v[_NET] / days))
    lines.append("")
    return "\n".join(lines)


def _quoted(text: str) -> str:
    """A text cell as Python's csv writer (pandas' writer) writes it: quoted when needed."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerow([text, ""])
    return buffer.getvalue()[:-2]  # without the empty second cell's "," and the line end
