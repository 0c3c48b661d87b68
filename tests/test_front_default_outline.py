"""`front` without --by/--outline: the shipped outline of Ukraine for data lying in Ukraine,
said in one line; elsewhere the request for an outline stays (issue 15)."""

import pandas as pd
import pytest
import shapely

from geotools.errors import UsageError
from geotools.front import front
from geotools.outlines import MIN_INSIDE, UKRAINE, share_inside
from geotools.read import ReadOptions, load_snapshot, resolve_refs
from geotools.regions import RegionSpec
from tests.synthetic import LAEA

from .conftest import run_cli, write_geojson

#: The shipped outline (Natural Earth admin-0) and geoBoundaries ADM1 draw the land borders a
#: little differently: measured +0.33 % (2025-03-01), +0.32 % (2024-08-01), +0.34 %
#: (2024-11-01), −0.10 % (2025-06-11) against --by geoBoundaries ADM1 at the default 3 km.
LENGTH_RTOL = 0.01


def test_cli_front_with_no_options_prints_the_line(deepstate_daily, boundaries_full, tmp_path):
    day = deepstate_daily / "20250301.geojson.gz"
    out = tmp_path / "front.csv"
    res = run_cli(["front", str(day), "-o", str(out)])
    assert res.returncode == 0, res.stderr
    (said,) = res.stderr.strip().splitlines()
    assert "shipped outline of Ukraine" in said and "Natural Earth v4.1.0" in said
    assert "shapes/outlines/PROVENANCE.md" in said
    table = pd.read_csv(out)
    assert list(table["region"]) == ["total"]
    by_adm1 = front([day], regions=RegionSpec(boundaries_full), show_progress=False).lengths
    want = float(by_adm1.loc[by_adm1["region"] == "total", "front_km"].iloc[0])
    assert 1_000 < want < 1_300
    assert float(table["front_km"].iloc[0]) == pytest.approx(want, rel=LENGTH_RTOL)


def test_share_of_real_data_inside_the_outline(deepstate_daily):
    snap = load_snapshot(
        resolve_refs([deepstate_daily / "20250301.geojson.gz"])[0],
        options=ReadOptions(crs=LAEA),
    )
    share = share_inside(snap.geometries["occupied"], snap.crs)
    assert share is not None and 0.95 < share <= 1.0
    assert UKRAINE.path.is_file()


@pytest.mark.parametrize(
    ("where", "box"),
    [
        ("Chile", (-71.0, -34.0, -70.0, -33.0)),
        ("mostly Russia", (36.0, 49.0, 42.0, 52.0)),  # a corner of Kharkiv/Luhansk, most east
    ],
)
def test_data_elsewhere_still_needs_an_outline(tmp_path, where, box):
    path = write_geojson(tmp_path / "20250301.geojson", [shapely.box(*box)])
    snap = load_snapshot(resolve_refs([path])[0])
    share = share_inside(snap.geometries["occupied"], snap.crs)
    assert share is not None and share < MIN_INSIDE
    with pytest.raises(UsageError, match="needs the country outline") as caught:
        front([path], show_progress=False)
    assert str(path) in str(caught.value)
