"""What geotools assumes, and checks: each trap of a new user's first runs gives the right
number (the explicit run's) or a one-line error naming the file and the fix (README, "What
geotools assumes, and checks")."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon

import geotools
from geotools.clean import clean_geometries
from geotools.errors import CRSError, DataError, DateError
from geotools.read import ReadOptions, read_snapshots, resolve_refs
from tests.conftest import data_path, run_cli

BOUNDARIES = ("boundaries", "geoBoundaries-UKR-ADM1.geojson.gz")


def _one_line_error(res, *needles):
    assert res.returncode in (1, 2), res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


# ---------------------------------------------------------------- 1. raw DeepState, no profile


def test_raw_deepstate_without_profile_equals_the_explicit_run(tmp_path):
    raw = data_path("deepstate_raw", "daily")
    by = data_path(*BOUNDARIES)
    common = [str(raw), "--start", "2024-11-01", "--end", "2024-12-01", "--by", str(by)]
    auto = run_cli(["series", *common, "-o", str(tmp_path / "auto.csv")])
    assert auto.returncode == 0, auto.stderr
    assert "detected source profile deepstate-raw" in auto.stderr
    explicit = run_cli(
        ["series", *common, "--profile", "deepstate-raw", "-o", str(tmp_path / "explicit.csv")]
    )
    assert explicit.returncode == 0, explicit.stderr
    assert (tmp_path / "auto.csv").read_bytes() == (tmp_path / "explicit.csv").read_bytes()
    text = (tmp_path / "auto.csv").read_text()
    assert ",contested," in text and ",liberated," in text
    # the wrong number of the trap (every polygon as "occupied": 294,863 km²) is gone
    import pandas as pd

    table = pd.read_csv(tmp_path / "auto.csv")
    total = table[(table.region == "total") & (table.status == "russian_control")].iloc[0]
    assert 110_000 < total.area_from_km2 < 112_000
    kyiv = table[(table.region == "UA-32") & (table.status == "occupied")].iloc[0]
    assert kyiv.area_to_km2 == pytest.approx(0.0, abs=1.0)


def test_info_on_a_raw_file_names_the_detected_profile_and_its_classes():
    path = data_path("deepstate_raw", "daily", "1722459268.geojson.gz")
    res = run_cli(["info", str(path)])
    assert res.returncode == 0, res.stderr
    assert "profile   deepstate-raw (detected:" in res.stdout
    assert "contested" in res.stdout and "liberated" in res.stdout
    # --profile none reads every polygon as one class, as asked, and warns that most of it
    # lies outside Ukraine (Karelia, the Kurils… are drawn on DeepState's map)
    res = run_cli(["info", str(path), "--profile", "none"])
    assert res.returncode == 0, res.stderr
    assert "occupied" in res.stdout and "contested" not in res.stdout
    assert "lies outside Ukraine's outline" in res.stderr
    res = run_cli(["info", str(path), "--profile", "none", "--allow", "outside-region"])
    assert "lies outside Ukraine's outline" not in res.stderr


def test_a_raw_file_among_plain_ones_is_refused(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    daily = data_path("deepstate", "daily")
    for name in ("20240801.geojson.gz", "20240802.geojson.gz", "20240803.geojson.gz"):
        (folder / name).symlink_to(daily / name)
    raw = data_path("deepstate_raw", "daily", "1722459268.geojson.gz")
    (folder / "20240802b.geojson.gz").symlink_to(raw)
    res = run_cli(["series", str(folder), "--period", "day", "--on-duplicate", "last"])
    _one_line_error(res, "20240802b.geojson.gz", "deepstate-raw", "--profile")


def test_half_a_source_is_not_guessed(tmp_path):
    """DeepState-like status names without DeepState's colours: a half-match, refused."""
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Окуповано /// Occupied", "fill": "#123456"},
                "geometry": json.loads(shapely.to_geojson(shapely.box(37, 48, 37.1, 48.1))),
            }
        ],
    }
    path = tmp_path / "20240801.geojson"
    path.write_text(json.dumps(doc))
    with pytest.raises(DataError, match="looks partly like source profile deepstate-raw"):
        read_snapshots([path])
    (snap,) = read_snapshots([path], options=ReadOptions(profile="none"))
    assert snap.statuses == ["occupied"]


# ---------------------------------------------------------------- 2. ISW layers of one date


def test_isw_layers_of_one_date_are_one_snapshot():
    nikkei = data_path("isw", "nikkei")
    result = geotools.series(
        [nikkei], period=None, edges=[dt.date(2022, 9, 11), dt.date(2022, 9, 30)]
    )
    assert result.options.profile is not None and result.options.profile.name == "isw"
    table = result.table
    row = table[(table.status == "occupied")].iloc[0]
    (alone,) = read_snapshots(
        [nikkei / "20220911_RussianAssessedCoTinUkraine.geojson.gz"],
        options=ReadOptions(profile="none", crs=result.crs),
    )
    assert row.area_from_km2 == pytest.approx(alone.area_km2("occupied"), rel=1e-9)
    # the other layers of that date are their own classes, not "occupied"
    partisan = table[table.status == "partisan_warfare"].iloc[0]
    assert partisan.area_from_km2 > 0
    explicit = geotools.series(
        [nikkei],
        period=None,
        edges=[dt.date(2022, 9, 11), dt.date(2022, 9, 30)],
        options=ReadOptions(profile="isw"),
    )
    assert explicit.table.to_csv() == table.to_csv()


def test_isw_on_the_command_line_runs_without_on_duplicate(tmp_path):
    out = tmp_path / "t.csv"
    nikkei = str(data_path("isw", "nikkei"))
    res = run_cli(
        ["series", nikkei, "--profile", "isw", "--edges", "2022-09-11,2022-09-30", "-o", str(out)]
    )
    assert res.returncode == 0, res.stderr
    assert "2022-09-11,2022-09-30,total,Total,partisan_warfare," in out.read_text()


def test_two_copies_of_one_layer_are_still_duplicates(tmp_path):
    src = data_path("isw", "nikkei", "20220911_RussianAssessedCoTinUkraine.geojson.gz")
    for name in (
        "20220911_RussianAssessedCoTinUkraine.geojson.gz",
        "20220911_RussianAssessedCoTinUkraine (1).geojson.gz",
    ):
        (tmp_path / name).write_bytes(src.read_bytes())  # copies, not links
    with pytest.raises(DateError, match="2 files have the date 2022-09-11"):
        resolve_refs([tmp_path], options=ReadOptions(profile="isw"))


def test_the_duplicate_message_never_only_suggests_on_duplicate_for_layers(tmp_path):
    nikkei = data_path("isw", "nikkei")
    for name in (
        "20220911_RussianAssessedCoTinUkraine.geojson.gz",
        "20220911_UkrainianReportedPartisanWarfare.geojson.gz",
    ):
        (tmp_path / name).symlink_to(nikkei / name)
    with pytest.raises(DateError) as err:
        resolve_refs([tmp_path], options=ReadOptions(profile="none"))
    assert "layers of one snapshot" in str(err.value) and "--profile" in str(err.value)


# ---------------------------------------------------------------- 3. a region layer as input


def test_a_boundary_file_as_input_is_refused_with_the_fix():
    day = data_path("deepstate", "daily", "20241101.geojson.gz")
    by = data_path(*BOUNDARIES)
    res = run_cli(["diff", str(day), str(by), "--dates", "2024-11-01,2024-12-01"])
    _one_line_error(res, "geoBoundaries-UKR-ADM1", "region layer", "--by")
    ok = run_cli(
        ["diff", str(day), str(by), "--dates", "2024-11-01,2024-12-01", "--allow", "region-layer"]
    )
    assert ok.returncode == 0, ok.stderr


# ---------------------------------------------------------------- 4. what a folder holds


def test_a_broken_link_in_an_input_folder_is_an_error(tmp_path):
    daily = data_path("deepstate", "daily")
    for name in ("20240801.geojson.gz", "20240802.geojson.gz"):
        (tmp_path / name).symlink_to(daily / name)
    (tmp_path / "20240803.geojson.gz").symlink_to(tmp_path / "gone.geojson.gz")
    res = run_cli(["series", str(tmp_path), "--period", "day"])
    _one_line_error(res, "20240803.geojson.gz", "broken symbolic link")
    (tmp_path / "20240803.geojson.gz").unlink()
    (tmp_path / "20240804.geojson").mkdir()
    res = run_cli(["series", str(tmp_path), "--period", "day"])
    _one_line_error(res, "20240804.geojson", "not a regular file")


def test_an_unreadable_file_in_an_input_folder_is_an_error(tmp_path):
    """CI runs as root, where modes do not stop reads: the check runs as nobody."""
    import subprocess
    import sys
    import tempfile

    daily = data_path("deepstate", "daily")
    folder = Path(tempfile.mkdtemp(prefix="geotools-perm-"))  # a folder nobody can reach
    for name in ("20240801.geojson.gz", "20240802.geojson.gz"):
        (folder / name).write_bytes((daily / name).read_bytes())
    (folder / "20240802.geojson.gz").chmod(0)
    folder.chmod(0o755)
    code = (
        "import sys\nfrom geotools.errors import DataError\nfrom geotools.read import discover\n"
        "try:\n    discover([sys.argv[1]])\nexcept DataError as e:\n    print(e)\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    cmd = [sys.executable, "-c", code, str(folder)]
    if os.geteuid() == 0:
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    finally:
        shutil.rmtree(folder)
    assert "20240802.geojson.gz" in out.stdout and "permission denied" in out.stdout, out


# ---------------------------------------------------------------- 5. geometry, dates, CRS

SHELL = [(37.0, 48.0), (37.1, 48.0), (37.1, 48.1), (37.0, 48.1), (37.0, 48.0)]
BESIDE = [(37.2, 48.0), (37.25, 48.0), (37.25, 48.1), (37.2, 48.1), (37.2, 48.0)]
INSIDE = [(37.02, 48.02), (37.04, 48.02), (37.04, 48.04), (37.02, 48.04), (37.02, 48.02)]
AROUND = [(36.9, 47.9), (37.3, 47.9), (37.3, 48.3), (36.9, 48.3), (36.9, 47.9)]
FAR = Polygon(AROUND).difference(Polygon(SHELL).buffer(0.05))


def _area(geom):
    dissolved, report = clean_geometries(
        np.array([geom], dtype=object), np.array(["occupied"], dtype=object)
    )
    return dissolved.get("occupied", shapely.MultiPolygon()).area, report


@pytest.mark.parametrize(
    ("geom", "expected", "counted"),
    [
        (Polygon(SHELL, [BESIDE]), Polygon(SHELL).area, "holes_outside"),
        (Polygon(BESIDE, [SHELL]), Polygon(BESIDE).area, "holes_outside"),
        (Polygon(SHELL, [INSIDE, BESIDE]), Polygon(SHELL, [INSIDE]).area, "holes_outside"),
        (Polygon(SHELL, [AROUND]), Polygon(AROUND, [SHELL]).area, "rings_reordered"),
        (
            shapely.MultiPolygon(
                [Polygon(SHELL, [BESIDE]), Polygon(AROUND).difference(Polygon(SHELL).buffer(0.05))]
            ),
            Polygon(SHELL).area + Polygon(AROUND).difference(Polygon(SHELL).buffer(0.05)).area,
            "holes_outside",
        ),
    ],
    ids=["hole-beside", "rings-swapped-apart", "inner-and-beside", "shell-inside-hole", "multi"],
)
def test_repairs_never_invent_area(geom, expected, counted):
    area, report = _area(geom)
    assert area == pytest.approx(expected, rel=1e-9)
    assert getattr(report, counted) == 1
    assert area <= max(Polygon(SHELL).area, expected) + 1e-12 or counted == "rings_reordered"


def _dated(path: Path, value) -> Path:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"date": value},
                "geometry": json.loads(shapely.to_geojson(shapely.box(37, 48, 37.1, 48.1))),
            }
        ],
    }
    path.write_text(json.dumps(doc))
    return path


def test_offset_timestamps_are_dated_by_their_utc_day(tmp_path):
    late = _dated(tmp_path / "a.geojson", "2024-11-01T01:30:00+03:00")  # 22:30 UTC on Oct 31
    early = _dated(tmp_path / "b.geojson", "2024-10-31T23:30:00-03:00")  # 02:30 UTC on Nov 1
    refs = resolve_refs([late, early])
    assert [(r.path.name, r.date) for r in refs] == [
        ("a.geojson", dt.date(2024, 10, 31)),
        ("b.geojson", dt.date(2024, 11, 1)),
    ]


@pytest.mark.parametrize("value", [0, "1970-01-01", "1989-12-31T12:00:00Z"])
def test_dates_before_1990_are_errors_unless_allowed(tmp_path, value):
    path = _dated(tmp_path / "snap.geojson", value)
    with pytest.raises(DateError, match=r"before 1990.*--allow old-dates"):
        resolve_refs([path])
    (ref,) = resolve_refs([path], options=ReadOptions(allow=frozenset({"old-dates"})))
    assert ref.date.year < 1990


def test_an_equal_area_crs_on_another_ellipsoid_is_refused():
    day = data_path("deepstate", "daily", "20241101.geojson.gz")
    with pytest.raises(CRSError, match="WGS84 ellipsoid"):
        read_snapshots([day], options=ReadOptions(crs="ESRI:102013"))
    (forced,) = read_snapshots([day], options=ReadOptions(crs="ESRI:102013", force_crs=True))
    (right,) = read_snapshots([day], options=ReadOptions(crs="EPSG:3035"))
    bias = forced.area_m2("occupied") / right.area_m2("occupied") - 1
    assert 1e-5 < abs(bias) < 1e-3  # the bias the check exists for
    res = run_cli(["info", str(day), "--crs", "ESRI:102013"])
    _one_line_error(res, "--force-crs")


# ---------------------------------------------------------------- 6. the Python API


def test_the_api_takes_paths_and_profile_names():
    by = data_path(*BOUNDARIES)
    daily = data_path("deepstate", "daily")
    files = [daily / "20241101.geojson.gz", daily / "20241201.geojson.gz"]
    result = geotools.series(files, regions=str(by))
    assert "UA-14" in set(result.table.region)
    with pytest.raises(geotools.UsageError, match=r"region_filter= \(--region\) needs regions="):
        geotools.series(files, region_filter=["UA-14"])
    with pytest.raises(geotools.UsageError, match="unknown profile"):
        ReadOptions(profile="nope")


def test_an_area_jump_is_a_warning_naming_both_files(tmp_path, caplog):
    import logging

    for day, side in (("20240801", 0.1), ("20240802", 0.2)):
        doc = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {},
                    "geometry": json.loads(
                        shapely.to_geojson(shapely.box(37, 48, 37 + side, 48.1))
                    ),
                }
            ],
        }
        (tmp_path / f"{day}.geojson").write_text(json.dumps(doc))
    with caplog.at_level(logging.WARNING, logger="geotools"):
        table = geotools.series([tmp_path], period="day").table
    assert table.iloc[0].net_km2 > 0  # measured, and said
    (said,) = [r.getMessage() for r in caplog.records if "goes from" in r.getMessage()]
    assert "20240801.geojson" in said and "20240802.geojson" in said and "+100 %" in said
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="geotools"):
        geotools.series([tmp_path], period="day", options=ReadOptions(allow={"area-jump"}))
    assert not [r for r in caplog.records if "goes from" in r.getMessage()]
