import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geotools.compare import compare, compare_snapshots, disagreement_frame, match_dates
from geotools.errors import UsageError
from geotools.read import ReadOptions
from geotools.regions import RegionLayer, RegionSpec, TilingReport
from tests.synthetic import LAEA, box, snap

from .conftest import data_path, run_cli

D = dt.date(2024, 8, 29)
SHARED_DATES = ["2024-08-29", "2024-11-24", "2025-03-04", "2025-06-11"]


def test_synthetic_areas_per_region():
    layer = RegionLayer(
        codes=["E", "W"],
        names=["East", "West"],
        geometries=np.asarray([box(10, 0, 20, 10), box(0, 0, 10, 10)], dtype=object),
        crs=LAEA,
        source="synthetic",
        tiling=TilingReport(),
    )
    a, b = snap(box(0, 0, 12, 10)), snap(box(5, 0, 25, 10))  # B spills 5 km outside
    comp = compare_snapshots(a, b, layer, "A", "B")
    rows = {r["region"]: r for r in comp.rows}
    assert rows["W"]["only_a_km2"] == pytest.approx(50)
    assert rows["W"]["both_km2"] == pytest.approx(50)
    assert rows["E"]["both_km2"] == pytest.approx(20)
    assert rows["E"]["only_b_km2"] == pytest.approx(80)
    assert rows["outside"]["only_b_km2"] == pytest.approx(50)
    assert rows["total"]["disagreement_km2"] == pytest.approx(50 + 130)
    frame = disagreement_frame([comp])
    assert list(frame["kind"]) == ["only_a", "only_b", "both"]
    assert frame["area_km2"].tolist() == pytest.approx([50, 130, 70])


def test_match_dates_nearest_within_tolerance():
    d = dt.date.fromisoformat
    daily = [d("2024-01-01") + dt.timedelta(days=i) for i in range(10) if i != 4]
    sparse = [d("2024-01-05"), d("2024-02-01")]
    # the sparse side leads; 01-05 is missing, 01-04 and 01-06 are equally near: the earlier
    assert match_dates(daily, sparse, 1) == [(d("2024-01-04"), d("2024-01-05"))]
    assert match_dates(sparse, daily, 1) == [(d("2024-01-05"), d("2024-01-04"))]
    assert match_dates(daily, sparse, 0) == []
    with pytest.raises(UsageError):
        match_dates(daily, sparse, -1)


@pytest.fixture(scope="module")
def real_comparison(deepstate_daily, boundaries_full):
    isw = data_path("isw", "sdspieg")
    files = [isw / f"territory_geojson_{d}.geojson.gz" for d in SHARED_DATES]
    return compare(
        [deepstate_daily],
        files,
        regions=RegionSpec(boundaries_full),
        labels=("deepstate", "isw"),
        show_progress=False,
    )


def test_real_conservation_per_region(real_comparison):
    table = real_comparison.table
    assert len(real_comparison.comparisons) == len(SHARED_DATES)
    assert sorted({r.isoformat() for r in table["date_a"]}) == SHARED_DATES
    assert (table["date_a"] == table["date_b"]).all()
    scale = table["area_a_km2"].max()
    for side, only in (("area_a_km2", "only_a_km2"), ("area_b_km2", "only_b_km2")):
        err = (table[only] + table["both_km2"] - table[side]).abs()
        # measured: at most 4.1e-10 km² (3.6e-15 of the largest area; 7.6e-12 of a row's own
        # area, in the smallest oblasts): the README states these figures
        assert err.max() <= 1e-14 * scale, table.loc[err.idxmax()]
        assert (err <= 1e-10 * table[side]).all(), table.loc[(err / table[side]).idxmax()]
    total = real_comparison.series()
    regions = table[table["region"] != "total"]
    for col in ("area_a_km2", "area_b_km2", "both_km2", "only_a_km2", "only_b_km2"):
        summed = regions.groupby("date_a")[col].sum().to_numpy()
        assert summed == pytest.approx(total[col].to_numpy(), rel=1e-6)
    first = total.iloc[0]
    # the two sources agree on about 98 % of the territory (PROVENANCE: ISW 108,526 km²)
    assert first["area_b_km2"] == pytest.approx(108_526.0, rel=2e-3)
    assert first["both_km2"] / first["area_a_km2"] > 0.97
    print(total[["date_a", "area_a_km2", "area_b_km2", "both_km2", "disagreement_km2"]])


def test_compare_cli(tmp_path, deepstate_daily):
    isw = data_path("isw", "sdspieg")
    out, layer = tmp_path / "cmp.csv", tmp_path / "disagreement.gpkg"
    res = run_cli(
        [
            "compare",
            str(deepstate_daily / "20241123.geojson.gz"),
            str(isw / "territory_geojson_2024-11-24.geojson.gz"),
            "--tolerance-days",
            "1",
            "--names",
            "deepstate,isw",
            "-o",
            str(out),
            "--disagreement",
            str(layer),
        ]
    )
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(out)
    assert table["region"].tolist() == ["total"]
    row = table.iloc[0]
    assert (row["date_a"], row["date_b"], row["days_apart"]) == ("2024-11-23", "2024-11-24", 1)
    frame = gpd.read_file(layer)
    assert set(frame["kind"]) == {"only_a", "only_b", "both"}
    # no pair within the tolerance: a usage error in one line
    res = run_cli(
        [
            "compare",
            str(deepstate_daily / "20241120.geojson.gz"),
            str(isw / "territory_geojson_2024-11-24.geojson.gz"),
            "--profile-b",  # named, so that no detection notice precedes the error
            "isw",
        ]
    )
    assert res.returncode == 2
    assert "--tolerance-days" in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_compare_raw_deepstate_with_isw_through_profiles(boundaries_full):
    """Each source read through its own profile: raw DeepState compares by its russian_control
    (not its liberated or grey classes), ISW by its assessed control; areas add up."""
    from geotools.compare import compare
    from geotools.regions import RegionSpec

    from .conftest import data_path

    raw = data_path("deepstate_raw", "daily", "1724962482.geojson.gz")  # 2024-08-29
    isw = data_path("isw", "sdspieg", "territory_geojson_2024-08-29.geojson.gz")
    result = compare(
        [raw],
        [isw],
        options=ReadOptions(profile="deepstate-raw"),
        options_b=ReadOptions(profile="isw"),
        regions=RegionSpec(boundaries_full),
    )
    total = result.table[result.table["region"] == "total"].iloc[0]
    assert 105_000 < total["area_a_km2"] < 115_000  # russian_control only
    assert total["area_b_km2"] == pytest.approx(108_526.0, abs=0.5)  # PROVENANCE figure
    assert total["only_a_km2"] + total["both_km2"] == pytest.approx(total["area_a_km2"], rel=1e-9)
    assert total["only_b_km2"] + total["both_km2"] == pytest.approx(total["area_b_km2"], rel=1e-9)
