"""The CSV writer's own float formatting gives the text pandas' ``float_format="%.6f"``
gives, on a real Table and on the awkward values (NaN, infinities, -0.0, tiny and huge)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from geotools.output import _csv_text, _table_for_file, write_table
from geotools.series import series

from .conftest import data_path


def _pandas_text(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, float_format="%.6f", lineterminator="\n")


def test_awkward_floats_are_written_as_pandas_writes_them():
    frame = pd.DataFrame(
        {
            "x": [np.nan, -0.0, np.inf, -np.inf, 1e20, 1.5e-7, -2.5, 0.0000005],
            "n": range(8),
            "s": ["a", None, "b,c", 'q"', "", "é", "x", "y"],
        }
    )
    assert _csv_text(frame) == _pandas_text(frame)


def test_a_real_table_is_written_as_pandas_writes_it(tmp_path):
    files = sorted(data_path("deepstate", "daily").glob("*.geojson.gz"))[:6]
    table = series(files, period="day", show_progress=False, workers=1).table
    table.loc[table.index[0], "gained_km2"] = np.nan  # a missing value too
    write_table(table, tmp_path / "t.csv")
    expected = _pandas_text(_table_for_file(table))
    assert (tmp_path / "t.csv").read_text() == expected
    # dates are written as ISO text, None as an empty cell
    frame = _table_for_file(pd.DataFrame({"from_date": [dt.date(2024, 1, 2), None]}))
    assert frame["from_date"].tolist()[0] == "2024-01-02"
    assert pd.isna(frame["from_date"].tolist()[1])
