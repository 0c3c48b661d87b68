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
from collections.abc import Iterable, Sequence
from itertools import compress
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from geotools.periods import Period
from geotools.snapshot import M2_PER_KM2
from geotools.table import RATE_COLUMNS, TABLE_COLUMNS, area_row, make_table
from geotools.table_frame import AREAS, DATES, STORED, TEXTS, table_frame, table_order

if TYPE_CHECKING:
    import pandas as pd

_KEYS = frozenset(STORED)


class TableRows:
    """A run's table rows, in the order they were made, kept column by column (the columns
    ``geotools.table.area_row`` gives; issue 20: the DataFrame and the CSV text are then made
    a column at a time). Rows of another shape (another column, a missing one) are kept as
    the dicts they came as, and go through pandas."""

    def __init__(self, rows: Iterable[dict[str, object]] = ()) -> None:
        listed = list(rows)
        self.columns: dict[str, list[Any]] = {c: [] for c in STORED}
        self._odd: list[dict[str, object]] | None = None  # rows of another shape, as given
        if all(r.keys() == _KEYS for r in listed):
            for c, column in self.columns.items():
                column.extend(map(itemgetter(c), listed))
        else:
            self._odd = listed

    def add(
        self,
        period: Period,
        status: str,
        codes: Sequence[str],
        names: Sequence[str],
        areas_m2: tuple[Sequence[float], Sequence[float], Sequence[float], Sequence[float]],
    ) -> None:
        """One row per region (``codes``, with their ``names``) for ``status`` in ``period``,
        from each one's area_from, area_to, gained and lost in m² (``areas_m2``, four
        columns): the values ``area_row`` gives (the same arithmetic)."""
        a0, a1, g, lo = areas_m2
        if self._odd is not None:
            self._odd.extend(
                area_row(period, *row)
                for row in zip(codes, names, [status] * len(codes), a0, a1, g, lo, strict=True)
            )
            return
        n = len(codes)
        cols = self.columns
        for c, value in zip(
            DATES, (period.start, period.end, period.from_date, period.to_date), strict=True
        ):
            cols[c].extend([value] * n)
        cols["region"].extend(codes)
        cols["region_name"].extend(names)
        cols["status"].extend([status] * n)
        cols["area_from_km2"].extend([x / M2_PER_KM2 for x in a0])
        cols["area_to_km2"].extend([x / M2_PER_KM2 for x in a1])
        cols["gained_km2"].extend([x / M2_PER_KM2 for x in g])
        cols["lost_km2"].extend([x / M2_PER_KM2 for x in lo])
        cols["net_km2"].extend([(y - x) / M2_PER_KM2 for x, y in zip(a0, a1, strict=True)])
        cols["gap_days"].extend([period.gap_days] * n)

    @property
    def rows(self) -> list[dict[str, object]]:
        """The rows as ``area_row`` dicts, in the order they were made."""
        if self._odd is not None:
            return self._odd
        return [dict(zip(STORED, values, strict=True)) for values in self._tuples()]

    def _tuples(self) -> list[tuple[Any, ...]]:
        return list(zip(*(self.columns[c] for c in STORED), strict=True))

    def __len__(self) -> int:
        return len(self._odd) if self._odd is not None else len(self.columns["region"])

    def __repr__(self) -> str:
        return f"TableRows({len(self)} rows)"

    def only_regions(self, keep: set[str]) -> TableRows:
        """The rows of the regions in ``keep`` (the order kept, so the Table is the one
        filtered after it was made)."""
        if self._odd is not None:
            return TableRows(r for r in self._odd if r["region"] in keep)
        out = TableRows()
        mask = [r in keep for r in self.columns["region"]]
        for c, column in self.columns.items():
            out.columns[c] = list(compress(column, mask))
        return out

    def frame(self) -> pd.DataFrame:
        """The Table (a pandas DataFrame)."""
        if self._odd is None:
            fast = table_frame(self.columns)
            if fast is not None:
                return fast
        return make_table(self.rows)

    def csv_text(self) -> str:
        """The CSV text ``geotools.output.write_table`` writes for :meth:`frame`."""
        text = self._plain_text()
        if text is None:  # an unusual table: through pandas, as before
            from geotools.output import _csv_text, _table_for_file

            text = _csv_text(_table_for_file(self.frame()))
        return text

    def _plain_text(self) -> str | None:
        if self._odd is not None or not len(self):
            return None
        try:
            return _lines(self.columns, self._tuples())
        except (TypeError, ZeroDivisionError):  # a None, no days
            return None


#: One row of the file after its four dates: ``area_row``'s other values, then days and the
#: rates; ``%.6f`` is pandas' ``float_format="%.6f"``.
_LINE = ",".join(["%s"] * 3 + ["%.6f"] * 5 + ["%d", "%d"] + ["%.6f"] * 3)
assert [*STORED, "days", *RATE_COLUMNS] == TABLE_COLUMNS, "the order _LINE writes"
assert STORED[:4] == DATES, "the dates first"
_GAINED, _LOST, _NET = (STORED[4:].index(c) for c in ("gained_km2", "lost_km2", "net_km2"))


def _plain_text(rows: list[dict[str, Any]]) -> str | None:
    """The CSV text of ``area_row`` rows, one ``%`` formatting a row; None when the rows hold
    anything the pandas path writes otherwise (a missing value, a text that needs quotes, a
    period of no days, a date with a time, another column) or there are none."""
    return TableRows(rows)._plain_text()


def _lines(columns: dict[str, list[Any]], rows: list[tuple[Any, ...]]) -> str | None:
    """:func:`_plain_text`'s work (which turns its exceptions into None)."""
    for c in TEXTS:
        if any(not isinstance(t, str) or _quoted(t) != t for t in set(columns[c])):
            return None
    for c in AREAS:
        total = sum(columns[c])
        if total != total:  # a NaN (or inf − inf): written as pandas writes it
            return None
    order = table_order(columns)  # make_table's order
    if order is None:
        return None
    lines = [",".join(TABLE_COLUMNS)]
    add = lines.append
    periods: dict[tuple[dt.date, ...], tuple[str, int]] = {}  # the dates' text, the days
    for i in order.tolist():
        r = rows[i]
        dates = r[:4]
        known = periods.get(dates)
        if known is None:
            if any(type(d) is not dt.date for d in dates):  # a time too: written otherwise
                return None
            known = periods[dates] = (",".join(map(str, dates)) + ",", (dates[1] - dates[0]).days)
        head, days = known
        v = r[4:]
        add(head + _LINE % (*v, days, v[_GAINED] / days, v[_LOST] / days, v[_NET] / days))
    lines.append("")
    return "\n".join(lines)


def _quoted(text: str) -> str:
    """A text cell as Python's csv writer (pandas' writer) writes it: quoted when needed."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerow([text, ""])
    return buffer.getvalue()[:-2]  # without the empty second cell's "," and the line end
