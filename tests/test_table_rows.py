"""The Table before pandas (geotools.table_rows): its CSV text is the text the DataFrame's
writer gives, byte for byte, its DataFrame (made a column at a time: geotools.table_frame) is
``make_table``'s of the same rows, dtypes included, and the command line's
``series … -o x.csv`` of a one-day update writes it without importing pandas (issue 20)."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import subprocess
import sys

import pytest

from geotools.output import _csv_text, _table_for_file, write_table
from geotools.periods import Period
from geotools.regions import RegionSpec
from geotools.series import series
from geotools.table import TOTAL, TOTAL_NAME, area_row, make_table
from geotools.table_frame import table_frame
from geotools.table_rows import TableRows, _plain_text

from .conftest import REPO


def _pandas_text(rows: TableRows) -> str:
    """The text of the DataFrame path: make_table, then write_table's CSV writer."""
    return _csv_text(_table_for_file(make_table(rows.rows)))


def _same_frame(rows: TableRows) -> None:
    """The rows' frame is make_table's of their dicts: values, order, index and dtypes."""
    import pandas as pd

    pd.testing.assert_frame_equal(rows.frame(), make_table(rows.rows), check_exact=True)


def _period(start: dt.date, days: int = 1, gap: int = 0) -> Period:
    end = start + dt.timedelta(days=days)
    return Period(start, end, start, end, gap, True)


def _rows(seed: int = 0) -> list[dict[str, object]]:
    """Rows of three periods, two statuses, regions and ``outside`` and ``total``, made in a
    shuffled order, with the awkward floats a file can hold (−0.0, tiny, huge, inf)."""
    rng = random.Random(seed)
    awkward = [0.0, -0.0, 1e-9, 5e-7, 123456789.123456789, 2.5e6, math.inf]
    rows = []
    for k in range(3):
        p = _period(dt.date(2024, 1, 1) + dt.timedelta(days=7 * k), days=7 if k else 1, gap=k)
        for status in ("occupied", "contested"):
            for code, name in (
                ("UA-14", "Donetsk Oblast"),
                ("UA-09", "Luhansk Oblast"),
                ("outside", "Outside the regions"),
                (TOTAL, TOTAL_NAME),
                ("UA-23", "Запорізька область"),
            ):
                values = [rng.choice(awkward) if rng.random() < 0.3 else rng.uniform(0, 1e10)]
                values += [rng.uniform(0, 1e10) for _ in range(3)]
                rows.append(area_row(p, code, name, status, *values))
    rng.shuffle(rows)
    return rows


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rows_in_any_order_are_written_as_the_table_is(seed):
    rows = TableRows(_rows(seed))
    assert _plain_text(rows.rows) is not None  # the pandas-free path, not the fallback
    assert rows.csv_text() == _pandas_text(rows)
    assert table_frame(rows.columns) is not None  # the frame a column at a time, too
    _same_frame(rows)
    keep = {"UA-09", "outside", TOTAL}
    only = rows.only_regions(keep)
    table = make_table(rows.rows)
    expected = table[table["region"].isin(keep)].reset_index(drop=True)
    assert only.frame().equals(expected)
    assert only.csv_text() == _csv_text(_table_for_file(expected))


def _awkward(kind: str) -> list[dict[str, object]]:
    rows = _rows(3)
    first = rows[0]
    if kind == "nan":
        first["gained_km2"] = math.nan
    elif kind == "quotes":
        first["region_name"] = 'Kyiv, "the city"'
    elif kind == "no days":
        p = Period(
            dt.date(2024, 3, 1),
            dt.date(2024, 3, 1),
            dt.date(2024, 3, 1),
            dt.date(2024, 3, 1),
            0,
            True,
        )
        rows.append(area_row(p, TOTAL, TOTAL_NAME, "occupied", 1.0, 2.0, 1.0, 0.0))
        rows.append(area_row(p, "UA-14", "Donetsk", "occupied", 0.0, 0.0, 0.0, 0.0))
    elif kind == "a time":
        first["from_date"] = dt.datetime(2024, 1, 1, 12, 0)
    elif kind == "a column more":
        first["note"] = "x"
    elif kind == "none":
        first["area_to_km2"] = None
    elif kind == "empty":
        rows = []
    return rows


@pytest.mark.parametrize(
    "kind", ["nan", "quotes", "no days", "a time", "a column more", "none", "empty"]
)
def test_unusual_rows_go_through_pandas_with_the_same_text(kind):
    rows = TableRows(_awkward(kind))
    assert _plain_text(rows.rows) is None
    assert rows.csv_text() == _pandas_text(rows)
    _same_frame(rows)


def test_a_real_series_writes_the_text_of_its_table(tmp_path, deepstate_daily, boundaries_full):
    files = sorted(deepstate_daily.glob("*.geojson.gz"))[:5]
    result = series(
        files, period="day", regions=RegionSpec(boundaries_full), show_progress=False, workers=1
    )
    assert len(result.rows) == len(result.table) > 0
    assert _plain_text(result.rows.rows) is not None
    write_table(result.table, tmp_path / "table.csv")
    assert result.rows.csv_text() == (tmp_path / "table.csv").read_text()
    assert result.table is result.table  # made once
    assert table_frame(result.rows.columns) is not None
    _same_frame(result.rows)


#: Run the command line as ``python -m geotools`` does, then say which heavy modules it loaded.
PROBE = """
import json, sys
from geotools.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
heavy = ("pandas", "pyarrow", "geopandas", "pyogrio", "matplotlib", "folium")
print(json.dumps({"code": code, "loaded": [m for m in heavy if m in sys.modules]}))
"""


def _probe(args: list[str]) -> tuple[dict, str]:
    """The command line run under PROBE in a new process: its report and its stderr."""
    run = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True, cwd=REPO
    )
    return json.loads(run.stdout.strip().splitlines()[-1]), run.stderr


def test_a_one_day_update_to_csv_imports_no_pandas(tmp_path, deepstate_daily, boundaries_full):
    files = sorted(deepstate_daily.glob("*.geojson.gz"))[:6]
    spec = RegionSpec(boundaries_full)
    series(files[:-1], period="day", regions=spec, show_progress=False)  # yesterday's run
    today = series(files, period="day", regions=spec, show_progress=False, use_cache=False)
    out = tmp_path / "table.csv"
    args = ["series", *map(str, files), "--period", "day", "--by", str(boundaries_full)]
    probe, stderr = _probe([*args, "-o", str(out)])
    assert probe == {"code": 0, "loaded": []}, stderr
    write_table(today.table, tmp_path / "api.csv")
    assert out.read_bytes() == (tmp_path / "api.csv").read_bytes()
    # the other outputs still go through pandas, and still work
    parquet = tmp_path / "table.parquet"
    probe, stderr = _probe([*args, "-o", str(parquet)])
    assert probe["code"] == 0, stderr
    import pandas as pd

    assert pd.read_parquet(parquet).shape == today.table.shape
