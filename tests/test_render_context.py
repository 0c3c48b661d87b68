"""Where the figures come from, on charts, maps and reports (issue 18, points 2 and 11)."""

import datetime as dt

import pandas as pd

from geotools import demo
from geotools.read import ReadOptions
from geotools.render.charts import chart_bytes, make_chart, period_labels
from geotools.render.context import (
    credit_text,
    describe_inputs,
    profile_source,
    short_crs,
    table_dates,
)
from geotools.series import series

from .conftest import run_cli


def monthly_table() -> pd.DataFrame:
    """Three monthly periods of totals (the columns the change chart reads)."""
    starts = [dt.date(2024, 11, 1), dt.date(2024, 12, 1), dt.date(2025, 1, 1)]
    ends = [*starts[1:], dt.date(2025, 2, 1)]
    return pd.DataFrame(
        {
            "period_start": starts,
            "period_end": ends,
            "from_date": starts,
            "to_date": ends,
            "region": ["total"] * 3,
            "status": ["occupied"] * 3,
            "area_from_km2": [100.0, 110.0, 105.0],
            "area_to_km2": [110.0, 105.0, 120.0],
            "gained_km2": [12.0, 1.0, 15.0],
            "lost_km2": [2.0, 6.0, 0.0],
            "net_km2": [10.0, -5.0, 15.0],
        }
    )


def test_monthly_labels_read_as_months():
    assert period_labels([dt.date(2024, 11, 1), dt.date(2024, 12, 1)]) == ["Nov 2024", "Dec 2024"]
    # periods that do not start on the 1st keep their day
    assert period_labels([dt.date(2024, 11, 4), dt.date(2024, 11, 11)]) == [
        "2024-11-04",
        "2024-11-11",
    ]


def test_svg_chart_keeps_text_as_text_with_a_source_line():
    table = monthly_table()
    footer = credit_text("Test source", table_dates(table), None)
    svg = chart_bytes(make_chart(table, "change", footer=footer), "svg").decode("utf-8")
    # svg.fonttype 'none': the labels are <text>, readable in the file (outlines would not be)
    assert "<text" in svg
    assert "Nov 2024" in svg and "Jan 2025" in svg
    assert "Source: Test source · snapshots 2024-11-01 … 2025-02-01 (4)" in svg
    # as before: no date in the file (the same chart gives the same bytes)
    assert svg == chart_bytes(make_chart(table, "change", footer=footer), "svg").decode("utf-8")


def test_inputs_are_described_not_taken_for_a_cadence(tmp_path):
    demo.write_scenario(tmp_path / "daily")
    result = series([tmp_path / "daily"], options=ReadOptions(crs=demo.DEMO_CRS))
    one = sorted((tmp_path / "daily").iterdir())[0]
    described = describe_inputs([tmp_path / "daily", one], result.refs)
    assert described == [f"{len(result.refs)} files in daily/", one.name]
    assert profile_source(ReadOptions(profile="deepstate-raw").profile) == (
        "DeepState (deepstatemap.live)"
    )
    assert profile_source(None) is None
    assert short_crs(result.crs).startswith("Lambert azimuthal equal-area")
    assert "+proj" not in short_crs(result.crs)


def test_chart_command_writes_the_source_line(tmp_path):
    demo.write_scenario(tmp_path / "snaps")
    out = tmp_path / "chart.svg"
    res = run_cli(
        [
            "chart",
            str(tmp_path / "snaps"),
            "--crs",
            demo.DEMO_CRS.to_string(),
            "--period",
            "week",
            "--source-label",
            "My <source>",
            "-o",
            str(out),
        ],
        module=True,
    )
    assert res.returncode == 0, res.stderr
    svg = out.read_text(encoding="utf-8")
    assert "Source: My &lt;source&gt; · snapshots 2024-03-04 … 2024-04-01" in svg
    assert "(equal-area)" in svg
