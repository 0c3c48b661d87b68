import datetime as dt

import numpy as np
import pandas as pd
import pytest

from geotools import demo
from geotools.errors import UsageError
from geotools.periods import snapshot_at
from geotools.read import resolve_refs
from geotools.regions import RegionSpec
from geotools.series import series
from geotools.stocks import stocks
from geotools.table import make_table
from geotools.trends import CAVEAT, parse_windows, project, trend

from .conftest import run_cli

D = dt.date
DAY = dt.timedelta(days=1)
START, END = D(2024, 11, 1), D(2025, 11, 1)


@pytest.fixture(scope="module")
def year_daily(deepstate_daily, boundaries_full):
    """A year of daily rows per oblast (2024-11-01 → 2025-11-01, with the archive's gaps)."""
    return series(
        [deepstate_daily],
        period="day",
        start=START,
        end=END,
        show_progress=False,
        regions=RegionSpec(boundaries_full),
        region_filter=["UA-14"],
    ).table


@pytest.fixture(scope="module")
def archive_days(deepstate_daily):
    return [r.date for r in resolve_refs([deepstate_daily])]


def test_rates_are_period_figures_divided_by_days(deepstate_daily):
    monthly = series(
        [deepstate_daily], period="month", start=START, end=END, show_progress=False
    ).table
    assert len(monthly) == 12
    for row in monthly.itertuples():
        assert row.days == (row.period_end - row.period_start).days
        for what in ("gained", "lost", "net"):
            figure = getattr(row, f"{what}_km2")
            assert getattr(row, f"{what}_km2_per_day") * row.days == pytest.approx(figure)
    feb = monthly[monthly["period_start"] == D(2025, 2, 1)].iloc[0]
    assert feb.days == 28
    assert feb.net_km2_per_day == pytest.approx(feb.net_km2 / 28)


def test_rates_are_derived_not_taken_from_the_rows():
    row = {
        "period_start": D(2024, 1, 1),
        "period_end": D(2024, 1, 8),
        "from_date": D(2024, 1, 1),
        "to_date": D(2024, 1, 8),
        "region": "total",
        "region_name": "Total",
        "status": "occupied",
        "area_from_km2": 10.0,
        "area_to_km2": 17.0,
        "gained_km2": 14.0,
        "lost_km2": 7.0,
        "net_km2": 7.0,
        "gap_days": 0,
        "net_km2_per_day": 99.0,  # a stale stored value is replaced
    }
    table = make_table([row])
    assert table.loc[0, "days"] == 7
    assert list(table.loc[0, ["gained_km2_per_day", "lost_km2_per_day", "net_km2_per_day"]]) == [
        2.0,
        1.0,
        1.0,
    ]


@pytest.mark.parametrize("window", [7, 30])
@pytest.mark.parametrize(
    "day",
    # 2025-01-01, 2025-03-31 and 2025-04-01 have no snapshot
    [D(2024, 12, 20), D(2025, 1, 1), D(2025, 1, 2), D(2025, 1, 8), D(2025, 4, 1), D(2025, 4, 2),
     D(2025, 4, 6), D(2025, 4, 30), D(2025, 11, 1)],
)  # fmt: skip
def test_rolling_windows_equal_hand_sums_on_real_daily_data(year_daily, archive_days, window, day):
    rows = year_daily[year_daily["region"] == "UA-14"]
    got = trend(rows, [window])
    got = got[got["date"] == day].iloc[0]
    w = f"{window}d"
    inside = [r for r in rows.itertuples() if day - dt.timedelta(days=window) < r.period_end <= day]
    assert len(inside) == window
    # the snapshots the window compares: S(day − W) and S(day), S = latest file ≤ t
    first = snapshot_at(archive_days, day - dt.timedelta(days=window))
    last = snapshot_at(archive_days, day)
    span = (last - first).days
    assert got[f"span_days_{w}"] == span
    missing = sum(1 for k in range(window) if day - dt.timedelta(days=k) not in set(archive_days))
    assert got[f"gap_days_{w}"] == missing
    for what in ("gained", "lost", "net"):
        hand = sum(getattr(r, f"{what}_km2") for r in inside)
        assert got[f"{what}_km2_per_day_{w}"] == pytest.approx(hand / span, rel=1e-12, abs=1e-12)
    # net over the window is the difference of the two snapshots' areas
    area_to = next(r.area_to_km2 for r in inside if r.period_end == day)
    opening = day - dt.timedelta(days=window)
    area_from = next(r.area_from_km2 for r in inside if r.period_start == opening)
    assert got[f"net_km2_per_day_{w}"] * span == pytest.approx(area_to - area_from, abs=1e-6)
    # cumulative net since the start: S(day) − S(START)
    start_area = rows[rows["period_start"] == START].iloc[0].area_from_km2
    assert got["cumulative_net_km2"] == pytest.approx(area_to - start_area, abs=1e-6)


def test_gap_days_are_reported_and_do_not_lower_the_rate(year_daily):
    got = trend(year_daily[year_daily["region"] == "total"], [7])
    by_day = got.set_index("date")
    # 2025-01-01 has no snapshot: its 7-day window compares 12-25 with 12-31, six days
    assert by_day.loc[D(2025, 1, 1), "span_days_7d"] == 6
    assert by_day.loc[D(2025, 1, 1), "gap_days_7d"] == 1
    # the window of 01-08 opens on the period 01-01 → 01-02, which starts from S(12-31)
    assert by_day.loc[D(2025, 1, 8), "span_days_7d"] == 8
    assert by_day.loc[D(2025, 4, 1), "span_days_7d"] == 5  # 03-31 and 04-01 missing
    assert by_day.loc[D(2025, 4, 1), "gap_days_7d"] == 2
    # windows reaching before the first period are empty
    assert by_day.loc[START + 6 * DAY, ["net_km2_per_day_7d"]].isna().all()
    assert by_day.loc[START + 7 * DAY, ["net_km2_per_day_7d"]].notna().all()


def test_non_contiguous_periods_are_refused(year_daily):
    rows = year_daily[year_daily["region"] == "total"]
    with pytest.raises(UsageError, match="not contiguous"):
        trend(rows.drop(index=rows.index[10]), [7])


def test_parse_windows():
    assert parse_windows("30, 7,7") == [7, 30]
    for bad in ("", "7,x", "0", "-3"):
        with pytest.raises(UsageError, match="--window"):
            parse_windows(bad)


@pytest.fixture(scope="module")
def demo_scenario(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo") / "snapshots"
    demo.write_scenario(folder)
    return folder, folder.parent / "regions.gpkg"


def _expected_rest(code_col: int, region_height_km: float) -> tuple[float, float]:
    """Remaining km² of a region column on the last day and the constant pace inside it."""
    x0 = code_col * demo.REGION_KM
    last = demo.front_km(demo.DAYS - 1)
    held = (min(max(last - x0, 0.0), demo.REGION_KM)) * region_height_km
    pace = (demo.front_km(1) - demo.front_km(0)) * region_height_km
    return demo.REGION_KM * region_height_km - held, pace


def test_projection_on_a_constant_rate_scenario(demo_scenario):
    folder, regions = demo_scenario
    spec = RegionSpec(regions, "code")
    result = series([folder], period="day", regions=spec, show_progress=False)
    table = trend(result.table, [7])
    last = demo.START + (demo.DAYS - 1) * DAY
    held = stocks([folder], regions=spec, at=[last], denominator="boundary", show_progress=False)
    out = project(table, held, 7).set_index(["region", "status"])
    # R1B (x 40–80 km, y 0–40 km): the front crosses it at 1.5 km a day on 40 km, 60 km² a day
    remaining, pace = _expected_rest(1, demo.REGION_KM)
    row = out.loc[("R1B", "occupied")]
    assert row["pace_km2_per_day"] == pytest.approx(pace, rel=1e-9)
    assert row["remaining_km2"] == pytest.approx(remaining, rel=1e-9)
    assert row["days_to_rest"] == pytest.approx(remaining / pace, rel=1e-9)
    assert row["projected_date"] == last + dt.timedelta(days=int(remaining // pace))
    assert remaining / pace == 12  # whole days: 720 km² at 60 km² a day
    # R1C (x 80–120 km) is not reached yet: no pace, no date
    row = out.loc[("R1C", "occupied")]
    assert row["pace_km2_per_day"] == 0
    assert row["projected_date"] is None and pd.isna(row["days_to_rest"])
    # R1A is already held: nothing remains, the date is the last snapshot's
    assert out.loc[("R1A", "occupied"), "remaining_km2"] == pytest.approx(40.0, abs=1e-6)


def test_trend_cli_with_projection(demo_scenario, tmp_path):
    folder, regions = demo_scenario
    out, proj = tmp_path / "trend.csv", tmp_path / "proj.csv"
    res = run_cli(
        ["trend", str(folder), "--by", str(regions), "--region-field", "code", "--window", "7",
         "--pace-of", "R1B", "--denominator", "boundary", "-o", str(out),
         "--projection", str(proj)],
        module=True,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert CAVEAT in " ".join(res.stdout.split())
    frame = pd.read_csv(proj)
    row = frame[frame["region"] == "R1B"].iloc[0]
    assert row["projected_date"] == "2024-04-13"
    assert set(frame["region"]) == {"R1B"}
    table = pd.read_csv(out)
    assert "net_km2_per_day_7d" in table.columns and "cumulative_net_km2" in table.columns
    bad = run_cli(["trend", str(folder), "--window", "x"], module=True)
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0 and "--window" in bad.stderr
    bad = run_cli(["trend", str(folder), "--pace-of", "R1B"], module=True)
    assert bad.returncode == 2 and "--by" in bad.stderr


def test_rate_and_cumulative_charts_draw_the_trend(year_daily):
    from geotools.render import charts

    totals = year_daily[year_daily["region"] == "total"]
    rolled = trend(totals, [30])
    fig = charts.make_chart(year_daily, "rate")  # daily rows: a 30-day window
    (line,) = fig.axes[0].get_lines()[:1]
    assert list(line.get_xdata()) == list(rolled["date"])
    np.testing.assert_array_equal(line.get_ydata(), rolled["net_km2_per_day_30d"].to_numpy())
    bars = [p.get_height() for p in fig.axes[0].patches]
    assert bars[: len(totals)] == pytest.approx(list(totals["gained_km2_per_day"]))
    fig = charts.make_chart(year_daily, "cumulative")
    net = fig.axes[0].get_lines()[2]
    assert net.get_ydata()[-1] == pytest.approx(rolled["cumulative_net_km2"].iloc[-1])
    assert net.get_ydata()[-1] == pytest.approx(
        totals["area_to_km2"].iloc[-1] - totals["area_from_km2"].iloc[0], abs=1e-6
    )
