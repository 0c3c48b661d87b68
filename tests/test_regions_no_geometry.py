"""Regions with a null or empty geometry stay in every table, with zero area, and are reported
(issue 15): the real ADM1 layer with Kyiv's geometry null and Chernivtsi's an empty polygon."""

import gzip
import json
import logging

import pytest

from geotools.read import ReadOptions
from geotools.regions import OUTSIDE, RegionSpec, read_regions
from geotools.series import series
from tests.synthetic import LAEA, box

from .conftest import run_cli

NULL, EMPTY = "UA-30", "UA-77"  # Kyiv (city), Chernivtsi Oblast
AREAS = ("area_from_km2", "area_to_km2", "gained_km2", "lost_km2", "net_km2")


@pytest.fixture(scope="module")
def holed_layer(boundaries_full, tmp_path_factory):
    """The real ADM1 file, re-written with one unit's geometry null and one empty."""
    doc = json.loads(gzip.decompress(boundaries_full.read_bytes()))
    for feat in doc["features"]:
        iso = feat["properties"]["shapeISO"]
        if iso == NULL:
            feat["geometry"] = None
        elif iso == EMPTY:
            feat["geometry"] = {"type": "Polygon", "coordinates": []}
    path = tmp_path_factory.mktemp("regions") / "adm1_holed.geojson"
    path.write_text(json.dumps(doc))
    return path


def _warnings(caplog, path):
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and "null or empty geometry" in r.getMessage()
    ]


def test_rows_kept_with_zero_area_and_one_warning(holed_layer, boundaries_full, caplog):
    with caplog.at_level(logging.WARNING, logger="geotools"):
        layer = read_regions(holed_layer, LAEA)
    whole = read_regions(boundaries_full, LAEA)
    assert layer.codes == whole.codes and len(layer.codes) == 27
    areas = layer.areas_m2()
    assert areas[NULL] == 0.0 and areas[EMPTY] == 0.0
    assert layer.tiling.no_geometry == [(NULL, "null"), (EMPTY, "empty")]
    for code, area in whole.areas_m2().items():
        if code not in (NULL, EMPTY):
            assert areas[code] == pytest.approx(area, rel=1e-12)
    # what lies in Kyiv now lies outside the layer: allocated there, not lost
    kyiv = whole.geometries[whole.codes.index(NULL)]
    alloc = layer.allocate(kyiv)
    assert set(alloc) == {OUTSIDE} and alloc[OUTSIDE] == pytest.approx(
        areas_whole := whole.areas_m2()[NULL], rel=1e-9
    )
    assert areas_whole > 800e6
    (line,) = _warnings(caplog, holed_layer)
    assert str(holed_layer) in line
    assert "UA-30 Kyiv (null)" in line and "UA-77 Chernivtsi Oblast (empty)" in line
    assert "null or empty geometry (zero area): UA-30 (null), UA-77 (empty)" in (
        layer.tiling.summary()
    )


def test_cached_layer_warns_again(holed_layer, tmp_path, monkeypatch, caplog):
    """A command finding the layer in the cache says it too (every command warns)."""
    monkeypatch.setenv("GEOTOOLS_CACHE", str(tmp_path / "cache"))
    spec = RegionSpec(holed_layer)
    with caplog.at_level(logging.WARNING, logger="geotools"):
        spec.build(LAEA)
        assert len(_warnings(caplog, holed_layer)) == 1
        again = spec.build(LAEA)
    assert len(_warnings(caplog, holed_layer)) == 2
    assert again.tiling.no_geometry == [(NULL, "null"), (EMPTY, "empty")]
    assert again.areas_m2()[NULL] == 0.0


def test_series_keeps_both_rows_and_the_sums(holed_layer, boundaries_full, deepstate_daily):
    """November 2024 by oblast: Kyiv and Chernivtsi rows stay (zero), region rows still add
    up to the total, the total is the intact layer's, and what the intact layer gave those
    two units now lies outside the layer."""
    files = [deepstate_daily / "20241101.geojson.gz", deepstate_daily / "20241201.geojson.gz"]
    holed = series(files, regions=holed_layer, options=ReadOptions(crs=LAEA)).table
    whole = series(files, regions=boundaries_full, options=ReadOptions(crs=LAEA)).table
    for table in (holed, whole):
        for _, rows in table.groupby(["period_start", "status"]):
            total = rows[rows.region == "total"].iloc[0]
            parts = rows[rows.region != "total"]
            for col in AREAS:
                assert parts[col].sum() == pytest.approx(total[col], rel=1e-9, abs=1e-9)
    h = holed[holed.status == "occupied"].set_index("region")
    w = whole[whole.status == "occupied"].set_index("region")
    assert list(h.index) == list(w.index)  # the same rows, in the same order
    for col in AREAS:
        assert h.loc[NULL, col] == 0.0 and h.loc[EMPTY, col] == 0.0
        assert h.loc["total", col] == pytest.approx(w.loc["total", col], rel=1e-9)
        moved = w.loc[OUTSIDE, col] + w.loc[NULL, col] + w.loc[EMPTY, col]
        assert h.loc[OUTSIDE, col] == pytest.approx(moved, rel=1e-6, abs=1e-6)
    assert w.loc["UA-14", "gained_km2"] > 600  # the period has changes to allocate


def test_a_null_part_keeps_its_region(geojson_writer):
    """A region of two features, one null: the region keeps the other's area; the null
    part is reported as a part."""
    path = geojson_writer(
        "parts.geojson",
        [box(0, 0, 10, 10), None, box(10, 0, 20, 10)],
        props=[{"code": "A"}, {"code": "A"}, {"code": "B"}],
        crs="EPSG:3035",
    )
    layer = read_regions(path, LAEA, "code")
    assert layer.tiling.no_geometry == [("A", "null part")]
    assert layer.areas_m2()["A"] / 1e6 == pytest.approx(100.0, rel=1e-3)


def test_cli_regions_and_series_report_it_once(holed_layer, deepstate_daily, tmp_path):
    res = run_cli(["regions", str(holed_layer)])
    assert res.returncode == 0, res.stderr
    kyiv = next(line for line in res.stdout.splitlines() if line.startswith(NULL))
    assert kyiv.split()[-2] == "0.0"
    assert "null or empty geometry (zero area): UA-30 (null), UA-77 (empty)" in res.stdout
    warned = [line for line in res.stderr.splitlines() if "null or empty geometry" in line]
    assert len(warned) == 1 and str(holed_layer) in warned[0]
    out = tmp_path / "t.csv"
    files = [str(deepstate_daily / f"2024{m}01.geojson.gz") for m in ("11", "12")]
    res = run_cli(["series", *files, "--by", str(holed_layer), "-o", str(out)])
    assert res.returncode == 0, res.stderr
    warned = [line for line in res.stderr.splitlines() if "null or empty geometry" in line]
    assert len(warned) == 1 and "UA-30 Kyiv (null)" in warned[0]
    text = out.read_text()
    assert ",UA-30,Kyiv,occupied,0.000000,0.000000,0.000000,0.000000,0.000000," in text
    assert ",UA-77,Chernivtsi Oblast,occupied,0.000000," in text
