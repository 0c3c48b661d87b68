import csv
import json

import geopandas as gpd
import pytest
import shapely

from .conftest import run_cli, write_geojson

# Dense vertices, so that projected edges follow the shared parallels (no projection slivers).
SQUARE = shapely.box(37.0, 48.0, 37.2, 48.1).segmentize(0.001)
BIGGER = shapely.box(37.0, 48.0, 37.3, 48.1).segmentize(0.001)


def read_rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def two_snapshots(tmp_path):
    a = write_geojson(tmp_path / "20240101.geojson", [SQUARE])
    b = write_geojson(tmp_path / "20240201.geojson", [BIGGER])
    return a, b


@pytest.mark.parametrize("module", [False, True], ids=["console-script", "python-m"])
def test_series_writes_csv(tmp_path, two_snapshots, module):
    out = tmp_path / "out.csv"
    res = run_cli(["series", str(tmp_path), "--period", "month", "-o", str(out)], module=module)
    assert res.returncode == 0, res.stderr
    rows = read_rows(out)
    assert len(rows) == 1
    row = rows[0]
    assert (row["period_start"], row["period_end"], row["region"]) == (
        "2024-01-01",
        "2024-02-01",
        "total",
    )
    assert 80 < float(row["gained_km2"]) < 86 and float(row["lost_km2"]) < 1e-3
    assert float(row["net_km2"]) == pytest.approx(
        float(row["area_to_km2"]) - float(row["area_from_km2"]), abs=1e-5
    )


@pytest.mark.parametrize("module", [False, True], ids=["console-script", "python-m"])
def test_diff_writes_change_layer_and_prints_table(tmp_path, two_snapshots, module):
    a, b = two_snapshots
    layer = tmp_path / "changes.gpkg"
    res = run_cli(["-v", "diff", str(a), str(b), "--changes", str(layer)], module=module)
    assert res.returncode == 0, res.stderr
    assert "gained_km2" in res.stdout and "occupied" in res.stdout
    frame = gpd.read_file(layer)
    # the 0.1° strip, plus a sub-m² projection sliver along the shared parallel: reported
    assert list(frame["change"]) == ["gained", "lost"]
    assert frame["area_km2"].iloc[1] < 1e-3
    # --min-area takes it out of the layer (saying so), never out of the table
    res = run_cli(
        ["diff", str(a), str(b), "--changes", str(layer), "--min-area", "0.01"], module=module
    )
    assert (
        res.returncode == 0
        and "polygon parts" in res.stderr
        and "totals include them" in res.stderr
    )
    frame = gpd.read_file(layer)
    assert list(frame["change"]) == ["gained"]
    assert frame.crs.to_epsg() == 4326
    assert frame.geometry.iloc[0].bounds[0] == pytest.approx(37.2, abs=0.01)


def test_info_json(two_snapshots):
    res = run_cli(["info", "--json", str(two_snapshots[0])])
    assert res.returncode == 0, res.stderr
    rec = json.loads(res.stdout.splitlines()[0])
    assert rec["date"] == "2024-01-01" and rec["date_from"] == "file name"
    occ = rec["statuses"]["occupied"]
    assert abs(occ["relative_difference"]) < 1e-6 and occ["area_km2"] > 100


def test_series_verbose_prints_runtime(tmp_path, two_snapshots):
    res = run_cli(["-v", "series", str(tmp_path), "-o", str(tmp_path / "o.json")])
    assert res.returncode == 0, res.stderr
    assert "runtime" in res.stderr
    rows = json.loads((tmp_path / "o.json").read_text())
    assert rows[0]["status"] == "occupied"


def _assert_one_line_error(res, code, *needles):
    assert res.returncode == code, (res.returncode, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_no_date_error(tmp_path):
    path = write_geojson(tmp_path / "control.geojson", [SQUARE])
    _assert_one_line_error(run_cli(["info", str(path)]), 1, "control.geojson", "no date")


def test_empty_file_error(tmp_path):
    path = tmp_path / "20240101.geojson"
    path.write_bytes(b"")
    _assert_one_line_error(run_cli(["series", str(path)]), 1, str(path), "empty")


def test_not_a_polygon_layer_error(tmp_path):
    path = write_geojson(tmp_path / "20240101.geojson", [shapely.LineString([(37, 48), (38, 48)])])
    _assert_one_line_error(run_cli(["info", str(path)]), 1, str(path), "no polygons")


def test_geographic_crs_forced_for_area_is_refused(two_snapshots):
    a, b = two_snapshots
    res = run_cli(["diff", str(a), str(b), "--crs", "EPSG:4326", "--force-crs"])
    _assert_one_line_error(res, 2, "geographic")


def test_non_equal_area_crs_refused_unless_forced(two_snapshots):
    a, b = two_snapshots
    _assert_one_line_error(
        run_cli(["diff", str(a), str(b), "--crs", "EPSG:3857"]), 2, "not equal-area"
    )
    assert run_cli(["diff", str(a), str(b), "--crs", "EPSG:3857", "--force-crs"]).returncode == 0


def test_usage_errors_exit_2(tmp_path, two_snapshots):
    _assert_one_line_error(
        run_cli(["series", str(tmp_path), "--period", "fortnight"]), 2, "fortnight"
    )
    _assert_one_line_error(
        run_cli(["series", str(tmp_path), "-o", str(tmp_path / "x.xlsx")]), 2, ".xlsx"
    )


def test_debug_shows_traceback(tmp_path):
    path = write_geojson(tmp_path / "control.geojson", [SQUARE])
    res = run_cli(["--debug", "info", str(path)])
    assert res.returncode != 0 and "Traceback" in res.stderr


def test_demo_runs_offline_and_checks_itself(tmp_path):
    res = run_cli(["demo", "--out", str(tmp_path / "demo")])
    assert res.returncode == 0, res.stderr
    assert "self-check" in res.stdout
    rows = read_rows(tmp_path / "demo" / "table.csv")
    assert len([r for r in rows if r["region"] == "total"]) == 4
    # issue 18: the regions of the scenario's grid, in the table and on screen
    regions = {r["region"] for r in rows} - {"total", "outside"}
    assert regions == {"R1A", "R1B", "R1C", "R2A", "R2B", "R2C"}
    assert "R1A" in res.stdout and "Region R2B" in res.stdout
    assert gpd.read_file(tmp_path / "demo" / "changes.gpkg").shape[0] >= 4
    # and the report of the scenario, whose path it prints
    report = tmp_path / "demo" / "report.html"
    assert report.resolve().as_uri() in res.stdout
    text = report.read_text(encoding="utf-8")
    assert 'id="range-map"' in text and 'id="timeline-map"' in text and "Region R1B" in text
    assert "Source: geotools demo scenario (synthetic)." in text


def test_series_on_whole_real_archive_cli(deepstate_daily, tmp_path):
    out = tmp_path / "m.csv"
    res = run_cli(["-v", "series", str(deepstate_daily), "--period", "month", "-o", str(out)])
    assert res.returncode == 0, res.stderr
    assert "769 snapshots" in res.stderr and "runtime" in res.stderr
    rows = read_rows(out)
    assert len(rows) == 24  # Aug 2024 … Jul 2026; partial first/last months omitted


def test_series_by_oblast_with_region_filter(deepstate_daily, boundaries_full, tmp_path):
    out = tmp_path / "m.csv"
    inputs = [str(deepstate_daily / f"2024{m:02d}01.geojson.gz") for m in (9, 10, 11)]
    res = run_cli(
        [
            "series",
            *inputs,
            "--by",
            str(boundaries_full),
            "--region",
            "Donetsk",
            "--region",
            "UA-63",
            "-o",
            str(out),
        ]
    )
    assert res.returncode == 0, res.stderr
    rows = read_rows(out)
    assert [r["region"] for r in rows] == ["UA-14", "UA-63", "total"] * 2
    assert rows[0]["region_name"] == "Donetsk Oblast"
    assert float(rows[0]["net_km2"]) > 100  # autumn 2024: most of the advance was in Donetsk


def test_stocks_cli_and_bad_region(deepstate_daily, boundaries_full, tmp_path):
    out = tmp_path / "s.csv"
    path = deepstate_daily / "20260822.geojson.gz"
    res = run_cli(
        ["stocks", str(path), "--by", str(boundaries_full), "--period", "snapshot", "-o", str(out)]
    )
    assert res.returncode == 0, res.stderr
    rows = {r["region"]: r for r in read_rows(out)}
    assert len(rows) == 29 and rows["UA-43"]["denominator"] == "land"
    assert 0.99 < float(rows["UA-43"]["share"]) <= 1.0 + 1e-9  # Crimea, on land
    res = run_cli(["stocks", str(path), "--by", str(boundaries_full), "--region", "Narnia"])
    _assert_one_line_error(res, 2, "unknown region 'Narnia'")
    _assert_one_line_error(run_cli(["stocks", str(path)]), 2, "--by")


def test_regions_command_reports_tiling(boundaries_full):
    res = run_cli(["regions", str(boundaries_full)])
    assert res.returncode == 0, res.stderr
    assert "UA-51    Odesa Oblast" in res.stdout
    assert "0 overlapping pairs" in res.stdout
