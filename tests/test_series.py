import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geotools.demo import DEMO_CRS, expected_area_km2, write_scenario
from geotools.read import ReadOptions
from geotools.regions import RegionSpec
from geotools.series import series
from geotools.stocks import stocks
from geotools.table import TABLE_COLUMNS

D = dt.date


@pytest.fixture(scope="module")
def daily_by_oblast(deepstate_daily, boundaries_full):
    """The whole archive, every consecutive pair, per oblast (one run shared by the tests)."""
    return series(
        [deepstate_daily], period="day", show_progress=False, regions=RegionSpec(boundaries_full)
    )


@pytest.fixture(scope="module")
def daily_archive(daily_by_oblast):
    totals = daily_by_oblast.table
    daily_by_oblast.total = totals[totals.region == "total"].reset_index(drop=True)
    return daily_by_oblast


def test_conservation_on_every_consecutive_pair_of_the_real_archive(daily_archive):
    table = daily_archive.total
    assert daily_archive.snapshots == 769
    # the result names every file it read, in date order (what a map of it reads again)
    refs = daily_archive.refs
    folder = {p.name for p in refs[0].path.parent.glob("*.geojson.gz")}
    assert {r.path.name for r in refs} == folder and len(folder) == 769
    assert [r.date for r in refs] == sorted(r.date for r in refs)
    # 776 calendar days; the last edge (2026-08-22) closes the last row: 775 day rows.
    assert len(table) == 775
    m2 = 1e6
    for row in table.itertuples():
        net = row.net_km2 * m2
        balance = (row.gained_km2 - row.lost_km2) * m2
        tolerance = 1.0 + 1e-9 * row.area_to_km2 * m2
        assert abs(net - balance) <= tolerance, row
    # consecutive rows chain: each row starts from the area the previous one ended with
    assert (
        table["area_from_km2"].iloc[1:].to_numpy() == table["area_to_km2"].iloc[:-1].to_numpy()
    ).all()
    # the stocks at both ends of a few rows, measured directly from the files
    from geotools.read import load_snapshot

    by_date = {r.date: r for r in refs}
    options = daily_archive.options  # the run's own reading options, in its CRS
    for row in table.iloc[[0, 100, 400, 774]].itertuples():
        before = load_snapshot(by_date[row.from_date], options=options, use_cache=False)
        after = load_snapshot(by_date[row.to_date], options=options, use_cache=False)
        assert row.area_from_km2 == pytest.approx(before.area_km2("occupied"), abs=1e-6)
        assert row.area_to_km2 == pytest.approx(after.area_km2("occupied"), abs=1e-6)
    # the archive's 7 missing dates show up as gap days, and the zero rows are flagged
    assert table["gap_days"].sum() == 7
    assert (
        table.loc[table["gap_days"] > 0, "from_date"] == table.loc[table["gap_days"] > 0, "to_date"]
    ).all()


def test_identical_consecutive_snapshots_give_empty_changes(daily_archive):
    table = daily_archive.total
    same = table[
        (table["from_date"] != table["to_date"]) & (table["area_from_km2"] == table["area_to_km2"])
    ]
    assert len(same) >= 100  # PROVENANCE: 113 files repeat the previous geometry
    assert (same["gained_km2"] == 0).all() and (same["lost_km2"] == 0).all()


def test_monthly_sums_equal_daily_sums(deepstate_daily, daily_archive):
    monthly = series([deepstate_daily], period="month", show_progress=False).table
    daily = daily_archive.total
    for row in monthly.itertuples():
        inside = daily[
            (daily["period_start"] >= row.period_start) & (daily["period_start"] < row.period_end)
        ]
        assert inside["net_km2"].sum() == pytest.approx(row.net_km2, abs=1e-6)


def test_real_month_with_gaps_reports_dates_used(deepstate_daily):
    table = series([deepstate_daily], period="month", show_progress=False).table
    assert list(table.columns) == TABLE_COLUMNS
    aug = table[table["period_start"] == D(2024, 8, 1)].iloc[0]
    assert aug.gap_days == 2  # 2024-08-18 and 2024-08-19 are missing
    assert (aug.from_date, aug.to_date) == (D(2024, 8, 1), D(2024, 9, 1))
    mar = table[table["period_start"] == D(2025, 3, 1)].iloc[0]
    assert mar.to_date == D(2025, 3, 30)  # 03-31 and 04-01 missing: S(04-01) is 03-30
    assert mar.gap_days == 2
    nov = table[table["period_start"] == D(2024, 11, 1)].iloc[0]
    assert 700 < nov.net_km2 < 750  # "Russia gained 726 km² in November 2024"


def test_demo_scenario_weekly_numbers_are_exact(tmp_path):
    write_scenario(tmp_path / "snaps")
    table = series(
        [tmp_path / "snaps"], options=ReadOptions(crs=DEMO_CRS), period="week", show_progress=False
    ).table
    assert len(table) == 4
    for row in table.itertuples():
        assert row.area_from_km2 == pytest.approx(expected_area_km2(row.from_date), abs=1e-6)
        assert row.area_to_km2 == pytest.approx(expected_area_km2(row.to_date), abs=1e-6)
    week1, _week2, week3, _ = table.itertuples()
    assert week1.gap_days == 2  # 2024-03-09 and 03-10 missing
    assert week1.gained_km2 == pytest.approx(7 * 1.5 * 80, abs=1e-6)
    # week 3: front +840, pocket retaken −40, bridgehead (held days 10–19) −25
    assert week3.gained_km2 == pytest.approx(840.0, abs=1e-6)
    assert week3.lost_km2 == pytest.approx(65.0, abs=1e-6)


def test_oblasts_plus_outside_sum_to_total_on_every_pair(daily_by_oblast):
    table = daily_by_oblast.table
    assert set(table.region) >= {"UA-14", "UA-09", "UA-23", "UA-65", "UA-63", "outside", "total"}
    assert len(table) == 775 * 29  # 27 oblasts + outside + total per day
    cols = ["area_from_km2", "area_to_km2", "gained_km2", "lost_km2", "net_km2"]
    parts = table[table.region != "total"].groupby("period_start")[cols].sum()
    total = table[table.region == "total"].set_index("period_start")[cols]
    assert len(parts) == len(total) == 775
    for col in ("area_from_km2", "area_to_km2"):
        rel = ((parts[col] - total[col]).abs() / total[col]).max()
        assert rel <= 1e-6, col
    for col in ("gained_km2", "lost_km2", "net_km2"):
        # flows: relative to the change, with 1 m² of floating-point slack for tiny changes
        slack = (parts[col] - total[col]).abs() - 1e-6 * total[col].abs()
        assert (slack <= 1e-6).all(), col
    # what lies outside the oblasts is the ~57 km² the DeepState polygons spill over the border
    outside = table[table.region == "outside"]["area_to_km2"]
    assert outside.min() > 40 and outside.max() < 80


def test_carried_stocks_equal_direct_intersection(
    daily_by_oblast, deepstate_daily, boundaries_full
):
    table = daily_by_oblast.table
    sample = [D(2024, 9, 1), D(2025, 3, 15), D(2025, 11, 30), D(2026, 8, 22)]
    direct = stocks(
        [deepstate_daily],
        regions=RegionSpec(boundaries_full),
        at=sample,
        denominator="boundary",
        show_progress=False,
    )
    for day in sample:
        carried = table[table.to_date == day].drop_duplicates("region").set_index("region")
        here = direct[direct.date == day].set_index("region")
        for code in [*carried.index]:
            # carried over up to 775 periods from flows, they drift by < 0.001 m² (measured:
            # 3e-4 m² at the end of the archive); 1 m² is the project's bound
            assert carried.loc[code, "area_to_km2"] == pytest.approx(
                here.loc[code, "area_km2"], abs=1e-6
            )
    last = direct[direct.date == D(2026, 8, 22)].set_index("region")
    assert last.loc["UA-09", "share"] > 0.99  # Luhansk almost entirely occupied
    regions_sum = last.drop(index=["total", "outside"])["area_km2"].sum()
    assert regions_sum + last.loc["outside", "area_km2"] == pytest.approx(
        last.loc["total", "area_km2"], rel=1e-9
    )


def test_demo_scenario_by_region_is_exact_without_real_data(tmp_path):
    """The demo's front crosses a 3 × 2 grid of 40 km regions: every region's area at both
    ends of every week is known exactly, and so are the week of the retaken pocket (40 km²
    lost in R1A) and the bridgehead (25 km² gained, then lost, in R2C)."""
    from geotools.demo import MISSING_DAYS, REGION_KM, START, front_km

    folder = tmp_path / "snaps"
    write_scenario(folder)
    result = series(
        [folder],
        period="week",
        options=ReadOptions(crs=DEMO_CRS),
        regions=tmp_path / "regions.gpkg",
        region_field="code",
        show_progress=False,
    )
    table = result.table

    def exact(code, date):
        k = (date - START).days
        assert k not in MISSING_DAYS
        col, row = ord(code[2]) - ord("A"), int(code[1]) - 1
        area = min(max(front_km(k) - REGION_KM * col, 0.0), REGION_KM) * REGION_KM
        if code == "R1A" and k >= 16:
            area -= 40.0  # the pocket (x 10–14, y 30–40 km) lies in the bottom-left region
        if code == "R2C" and 10 <= k < 20:
            area += 25.0  # the bridgehead (x 90–95, y 70–75 km)
        assert row in (0, 1)
        return area

    regions = table[table["region"].str.startswith("R")]
    assert set(regions["region"]) == {"R1A", "R1B", "R1C", "R2A", "R2B", "R2C"}
    for row in regions.itertuples():
        assert row.area_from_km2 == pytest.approx(exact(row.region, row.from_date), abs=1e-6)
        assert row.area_to_km2 == pytest.approx(exact(row.region, row.to_date), abs=1e-6)
    for _, rows in table.groupby(["period_start", "status"]):
        total = rows[rows["region"] == "total"].iloc[0]
        parts = rows[rows["region"] != "total"]
        for col in ("gained_km2", "lost_km2", "area_to_km2"):
            assert parts[col].sum() == pytest.approx(total[col], abs=1e-6)
    week3 = regions[regions["period_start"] == D(2024, 3, 18)].set_index("region")
    assert week3.loc["R1A", "lost_km2"] == pytest.approx(40.0, abs=1e-6)
    assert week3.loc["R2C", "lost_km2"] == pytest.approx(25.0, abs=1e-6)
    week2 = regions[regions["period_start"] == D(2024, 3, 11)].set_index("region")
    assert week2.loc["R2C", "gained_km2"] == pytest.approx(25.0, abs=1e-6)


@given(periods=st.integers(0, 5000), chunks=st.integers(1, 256))
def test_chunks_shrink_toward_the_end_and_cover_every_period(periods: int, chunks: int) -> None:
    """chunk_sizes (guided self-scheduling): every period in exactly one chunk, in order;
    sizes never grow; none below MIN_CHUNK_PERIODS but the last; one chunk for one worker;
    and a long run ends in chunks of the least size, so no worker is left with a long last
    one while the others idle (issue 20)."""
    import importlib

    module = importlib.import_module("geotools.series")  # the package exports a function so named
    sizes = module.chunk_sizes(periods, chunks)
    least = module.MIN_CHUNK_PERIODS
    assert sum(sizes) == periods and all(s >= 0 for s in sizes)
    assert all(a >= b for a, b in itertools.pairwise(sizes[:-1]))
    assert all(s >= least for s in sizes[:-1])
    if chunks <= 1:
        assert sizes == [periods]
        return
    share = max(2, chunks // 4)
    if periods >= 2 * share * least:  # long enough to reach the least size
        assert sizes[0] == -(-periods // share)  # the first takes its share of everything
        # halving (share 2) from 2 * least + 1 periods left leaves least + 1, then least
        # (e.g. 26 periods in 2 chunks: 13, 7, 6); a larger share reaches least before
        assert sizes[-1] <= least and max(sizes[-2:]) <= least + (share == 2)


def test_an_area_left_unknown_is_carried_or_refused() -> None:
    """TotalAccounts: a pair that left its areas unknown (NaN: a chunk after the first) gets
    the area carried from the period before; with nothing before it, that is a bug, raised
    (exit 3 from the command line), never a NaN row."""
    import importlib

    from geotools.pairs import StatusResult
    from geotools.periods import Period

    module = importlib.import_module("geotools.series")
    days = [dt.date(2024, 1, d) for d in (1, 2, 3)]
    one = Period(days[0], days[1], days[0], days[1], 0, True)
    two = Period(days[1], days[2], days[1], days[2], 0, True)
    nan = float("nan")
    accounts = module.TotalAccounts()
    measured = StatusResult("occupied", 10.0, 12.0, 3.0, 1.0, area_carried=True)
    assert accounts.areas(one, measured) == (10.0, 12.0)
    unknown = StatusResult("occupied", nan, nan, 5.0, 2.0, area_carried=True)
    assert accounts.areas(two, unknown) == (12.0, 15.0)
    with pytest.raises(AssertionError, match="no area carried"):
        module.TotalAccounts().areas(two, unknown)


@pytest.mark.parametrize(
    ("kwargs", "said"),
    [
        ({"start": D(2027, 1, 1)}, "the range asked for (from 2027-01-01) is outside"),
        ({"end": D(2020, 1, 1)}, "the range asked for (up to 2020-01-01) is outside"),
        ({"period": "month"}, "no complete period between 2024-01-01 and 2024-01-03"),
    ],
)
def test_no_period_says_why(tmp_path, monkeypatch, caplog, kwargs, said):
    # a --start after the last snapshot (an --end before the first) is named as the reason,
    # not answered with "try a shorter --period"
    import shapely

    from tests.conftest import write_geojson

    monkeypatch.setenv("GEOTOOLS_CACHE", str(tmp_path / "cache"))
    boxes = {d: shapely.box(30, 48, 30.1 + d / 100, 48.2) for d in (1, 2, 3)}
    files = [write_geojson(tmp_path / f"2024-01-0{d}.geojson", [b]) for d, b in boxes.items()]
    args = {"period": "day", **kwargs}
    with caplog.at_level("WARNING", logger="geotools.series"):
        result = series(files, show_progress=False, workers=1, **args)
    assert len(result.table) == 0
    assert said in caplog.text, caplog.text
    assert ("try a shorter --period" in caplog.text) == ("complete period" in said)
