"""The outlier flag of `geotools compare` (issue 18 point 10): the rule, and the real stale file."""

import csv

import pandas as pd
import pytest

from geotools.compare import COMPARE_COLUMNS, compare
from geotools.compare_outliers import (
    MAD_SCALE,
    MIN_PAIRS,
    MIN_SPREAD,
    OUTLIER_K,
    flag_outliers,
    outlier_threshold,
)
from geotools.table import TOTAL

from .conftest import data_path, run_cli


def test_threshold_is_median_plus_k_robust_deviations():
    values = [10.0, 11.0, 12.0, 13.0, 14.0, 100.0]
    median = 12.5
    mad = 1.5  # |x - 12.5|: 2.5 1.5 0.5 0.5 1.5 87.5 -> median 1.5
    assert outlier_threshold(values) == pytest.approx(median + OUTLIER_K * MAD_SCALE * mad)
    # one wild value does not move the threshold (the mean and SD would: 26.7 + 3.5 * 32.9)
    assert outlier_threshold([*values[:-1], 1e9]) == pytest.approx(outlier_threshold(values))


def test_too_few_pairs_or_no_spread():
    assert outlier_threshold([1.0] * (MIN_PAIRS - 1) + [50.0]) is not None
    assert outlier_threshold([1.0] * (MIN_PAIRS - 2) + [50.0]) is None
    # identical pairs: the spread is a share of the median, not zero
    assert outlier_threshold([100.0] * 6) == pytest.approx(100.0 + OUTLIER_K * MIN_SPREAD * 100)


def _table(totals):
    rows = []
    for i, value in enumerate(totals):
        day = pd.Timestamp("2025-01-01") + pd.Timedelta(days=i)
        for region, share in (("UA-14", 0.75), ("outside", 0.25), (TOTAL, 1.0)):
            rows.append(
                {"date_a": day, "date_b": day, "region": region, "disagreement_km2": value * share}
            )
    return pd.DataFrame(rows)


def test_flag_marks_every_row_of_a_wild_pair_by_its_total():
    table = flag_outliers(_table([100, 104, 98, 101, 99, 400]))
    flagged = table[table["outlier"]]
    assert len(flagged) == 3 and set(flagged["date_a"]) == {pd.Timestamp("2025-01-06")}
    # a region's own figure (75 % of 400 = 300) is not judged against the totals
    assert not table[table["date_a"] != pd.Timestamp("2025-01-06")]["outlier"].any()
    # low disagreement is no warning sign
    assert not flag_outliers(_table([100, 104, 98, 101, 99, 1]))["outlier"].any()


@pytest.fixture(scope="module")
def isw_run(deepstate_daily):
    isw = data_path("isw", "sdspieg")
    return compare(
        [deepstate_daily],
        [str(isw / "territory_geojson_202[4-6]-*.geojson.gz")],
        labels=("deepstate", "isw"),
        show_progress=False,
    )


def test_the_stale_isw_file_is_flagged(isw_run):
    # shared/data/isw/PROVENANCE.md: sdspieg's 2026-01-25 file is a mis-dated copy of a late
    # August 2024 state; against DeepState's 2026-01-25 it is the one outlier of the run
    series = isw_run.series()
    assert list(isw_run.table.columns) == COMPARE_COLUMNS
    assert len(series) == 7
    flagged = series[series["outlier"]]
    assert [d.isoformat() for d in flagged["date_a"]] == ["2026-01-25"]
    limit = outlier_threshold(series["disagreement_km2"].tolist())
    assert flagged["disagreement_km2"].iloc[0] > limit > series["disagreement_km2"].median()
    assert series[~series["outlier"]]["disagreement_km2"].max() < limit


def test_cli_prints_the_flag_column_and_warns(deepstate_daily, tmp_path):
    isw = data_path("isw", "sdspieg")
    out = tmp_path / "cmp.csv"
    res = run_cli(
        [
            "compare",
            str(deepstate_daily),
            str(isw / "territory_geojson_202[56]-*.geojson.gz"),
            "--names",
            "deepstate,isw",
            "-o",
            str(out),
        ]
    )
    assert res.returncode == 0, res.stderr
    with out.open() as fh:
        rows = list(csv.DictReader(fh))
    assert "outlier" in rows[0]
    wild = {r["date_a"] for r in rows if r["outlier"] == "True"}
    assert wild == {"2026-01-25"}
    assert "isw 2026-01-25: disagreement" in res.stderr and "outlier" in res.stderr
