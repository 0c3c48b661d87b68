"""Dating rules (geotools.read.dating): re-dating by the day a map shows, only when asked for."""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
from pathlib import Path

import pytest
import shapely

from geotools.errors import DateError, UsageError
from geotools.read import ReadOptions, resolve_refs
from geotools.read.dating import available, load_dating

from .conftest import run_cli, write_geojson

D = dt.date
SQUARE = shapely.box(37.0, 48.0, 37.2, 48.1).segmentize(0.001)
BIGGER = shapely.box(37.0, 48.0, 37.3, 48.1).segmentize(0.001)
BIGGEST = shapely.box(37.0, 48.0, 37.4, 48.1).segmentize(0.001)


def _files(folder: Path, names: list[str]) -> Path:
    shapes = [SQUARE, BIGGER, BIGGEST]
    for i, name in enumerate(names):
        write_geojson(folder / name, [shapes[i % len(shapes)]])
    return folder


def test_without_a_rule_dates_are_the_names(tmp_path: Path) -> None:
    _files(tmp_path, ["20241221.geojson", "20241222.geojson", "20241223.geojson"])
    plain = resolve_refs([tmp_path])
    assert [r.date for r in plain] == [D(2024, 12, 21), D(2024, 12, 22), D(2024, 12, 23)]
    assert {r.date_origin for r in plain} == {"file name"}
    assert resolve_refs([tmp_path], options=ReadOptions(dating="file")) == plain
    assert resolve_refs([tmp_path], options=ReadOptions(dating=None)) == plain


def test_deepstate_daily_dates_by_the_map_and_keeps_the_later_of_two_files(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    names = ["20241130.geojson", "20241221.geojson", "20241222.geojson", "20241223.geojson"]
    _files(tmp_path, names)
    with caplog.at_level(logging.INFO, logger="geotools.read.dating"):
        refs = resolve_refs([tmp_path], options=ReadOptions(dating="deepstate-daily"))
    # lag 1 up to the file of 2024-12-21 (name date kept), lag 2 from the file of 12-22 on
    assert [(r.path.name, r.date) for r in refs] == [
        ("20241130.geojson", D(2024, 11, 30)),
        ("20241222.geojson", D(2024, 12, 21)),
        ("20241223.geojson", D(2024, 12, 22)),
    ]
    assert "20241221.geojson" in caplog.text and "2024-12-22" in caplog.text
    origin = refs[2].date_origin
    assert "dating deepstate-daily" in origin and "D-2 (2024-12-21)" in origin
    assert "D-1 (2024-11-29)" in refs[0].date_origin


def test_a_rule_never_hides_two_files_of_one_name_date(tmp_path: Path) -> None:
    _files(tmp_path, ["a_20250301.geojson", "b_20250301.geojson"])
    with pytest.raises(DateError, match="2 files have the date 2025-02-28"):
        resolve_refs([tmp_path], options=ReadOptions(dating="deepstate-daily"))
    kept = resolve_refs(
        [tmp_path], options=ReadOptions(dating="deepstate-daily", on_duplicate="last")
    )
    assert [r.path.name for r in kept] == ["b_20250301.geojson"]


def test_deepstate_raw_dates_the_evening_map_by_the_next_day(tmp_path: Path) -> None:
    # 2024-04-30 21:27:41 UTC (the evening map) and 2024-05-31 04:39:07 UTC (a late update)
    _files(tmp_path, ["1714512461.geojson", "1717130347.geojson"])
    refs = resolve_refs([tmp_path], options=ReadOptions(dating="deepstate-raw"))
    assert [r.date for r in refs] == [D(2024, 5, 1), D(2024, 5, 31)]
    assert "evening of D (2024-04-30)" in refs[0].date_origin
    assert "published 04:39 UTC, before 12:00" in refs[1].date_origin
    assert "(2024-05-30)" in refs[1].date_origin


def test_a_rule_file_with_its_own_periods(tmp_path: Path) -> None:
    rule = tmp_path / "rule.json"
    rule.write_text(
        json.dumps({"name": "mine", "periods": [{"from": "2024-06-01", "shows_days_before": 3}]})
    )
    data = tmp_path / "data"
    data.mkdir()
    _files(data, ["20240610.geojson"])
    (ref,) = resolve_refs([data], options=ReadOptions(dating=str(rule)))
    assert ref.date == D(2024, 6, 8) and "dating mine" in ref.date_origin
    _files(data, ["20240510.geojson"])
    with pytest.raises(DateError, match="outside every period of dating rule 'mine'"):
        resolve_refs([data], options=ReadOptions(dating=rule))


def test_bad_rules_and_files_dated_otherwise_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown dating rule 'nope'; use one of file, "):
        load_dating("nope")
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "periods": [{"lag": 1}]}')
    with pytest.raises(UsageError, match=r"dating rule .*bad\.json is malformed"):
        load_dating(bad)
    path = write_geojson(tmp_path / "undated.geojson", [SQUARE], [{"date": "2025-03-01"}])
    with pytest.raises(DateError, match="is dated by property date, but dating rule"):
        resolve_refs([path], options=ReadOptions(dating="deepstate-daily"))


def test_shipped_rules_are_listed_and_carry_their_evidence() -> None:
    assert available()[0] == "file"
    assert {"deepstate-daily", "deepstate-raw"} <= set(available())
    rule = load_dating("deepstate-daily")
    assert rule is not None
    assert [p.shows_days_before for p in rule.periods] == [1, 2]
    assert all(p.evidence for p in rule.periods)


def test_info_says_which_rule_dated_a_file(tmp_path: Path) -> None:
    path = _files(tmp_path, ["20250818.geojson"]) / "20250818.geojson"
    res = run_cli(["info", str(path), "--dating", "deepstate-daily"], module=True)
    assert res.returncode == 0, res.stderr
    assert "date      2025-08-17 (from file name 2025-08-18, dating deepstate-daily:" in res.stdout
    res = run_cli(["info", str(path), "--json", "--dating", "deepstate-daily"], module=True)
    record = json.loads(res.stdout)
    assert record["date"] == "2025-08-17" and "D-2 (2025-08-16)" in record["date_from"]
    res = run_cli(["info", str(path)], module=True)
    assert "date      2025-08-18 (from file name)" in res.stdout
    res = run_cli(["info", str(path), "--dating", "nope"], module=True)
    assert res.returncode == 2 and res.stderr.count("\n") == 1
    assert "unknown dating rule 'nope'" in res.stderr


def test_series_with_and_without_dating(tmp_path: Path) -> None:
    _files(tmp_path, ["20250101.geojson", "20250201.geojson", "20250301.geojson"])
    rows = {}
    for dating in ([], ["--dating", "deepstate-daily", "--map", str(tmp_path / "map.html")]):
        out = tmp_path / f"out{len(dating)}.csv"
        args = ["series", str(tmp_path), "--period", "month", "-o", str(out), *dating]
        res = run_cli(args, module=True)
        assert res.returncode == 0, res.stderr
        with open(out, newline="") as fh:
            rows[bool(dating)] = list(csv.DictReader(fh))
    plain, dated = rows[False], rows[True]
    assert [(r["period_start"], r["from_date"], r["to_date"]) for r in plain] == [
        ("2025-01-01", "2025-01-01", "2025-02-01"),
        ("2025-02-01", "2025-02-01", "2025-03-01"),
    ]
    # the files show the maps of D-2: dated D-1, so the same files measure January, and
    # February would need the file of 2025-03-02 (the last is dated 02-28: omitted)
    assert [(r["period_start"], r["from_date"], r["to_date"]) for r in dated] == [
        ("2025-01-01", "2024-12-31", "2025-01-31"),
    ]
    assert dated[0]["net_km2"] == plain[0]["net_km2"]
    assert "2024-12-31" in (tmp_path / "map.html").read_text("utf-8")  # the map's dates too
