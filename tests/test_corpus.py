"""A corpus of bad (and odd but valid) inputs, generated on disk, run through the real CLI.

Each case writes real files (json / gzip / geopandas / pyarrow) into a temporary folder and
runs ``geotools`` in a subprocess. Two kinds of expected outcome:

* **error**: exit code 1 (data) or 2 (usage); stderr is exactly one line
  ``geotools: error: …``, no traceback, no "internal error", the offending file named, a hint
  of what to do, and every ``--option`` the hint names exists in that command's ``--help``.
* **ok**: exit code 0; every stderr line is a ``geotools:`` log line (no raw Python or GDAL
  warnings); repairs show up with their figures (``info --json`` repair counts) and areas or
  table rows are checked against geodesic areas computed here with pyproj.Geod.

| case | input | expected outcome |
|---|---|---|
| truncated-json | FeatureCollection cut mid-feature | error 1: cannot read, "truncated" |
| empty-file | 0-byte `.geojson` | error 1: "empty (0 bytes)", re-download or remove |
| html-error-page | HTML "502 Bad Gateway" as `.geojson` | error 1: cannot read, "error page" |
| json-not-geojson | `{"error": "rate limited"}` | error 1: cannot read, check it is GeoJSON |
| gzip-not-gzip | plain text named `.geojson.gz` | error 1: "not gzip data", no `/vsigzip/` |
| gzip-truncated | gzip stream cut in half | error 1: cannot read, "truncated" |
| missing-file | path that does not exist | error 1: "no such file", check the path |
| folder-without-vectors | only `index.csv` in it | error 1: "no vector files" (lists suffixes) |
| points-only | two Points | error 1: "no polygons (2 Point)", use a polygon layer |
| lines-only | one LineString | error 1: "no polygons (1 LineString)" |
| unclosed-ring | polygon ring whose last vertex ≠ first | error 1: one line, unreadable geometry |
| one-vertex-polygon | `[[[37, 48]]]` | error 1: unreadable geometry, repair it |
| swapped-out-of-range | lat/lon swapped, lat 200 | error 1: "not lon/lat", declare the right CRS |
| projected-without-crs | UTM metres, no CRS | error 1: "not lon/lat", declare the right CRS |
| crs-contradicts-coordinates | lon/lat numbers, CRS says EPSG:3035 | error 1: outside the CRS |
| crs-member-last | EPSG:3035 metres, `"crs"` after 4 KB of features | ok: read in EPSG:3035 |
| nan-coordinates | a `NaN` coordinate | error 1: "NaN or infinite", one line |
| inf-coordinates | an `Infinity` coordinate | error 1: "NaN or infinite" |
| huge-lonlat | 1e300 coordinates, no CRS | error 1: "not lon/lat" |
| huge-projected | 1e20 m coordinates in EPSG:3035 | error 1: coordinates outside the CRS |
| no-date | `control.geojson`, no date property | error 1: "no date", hint with real options |
| future-date | `29990101.geojson` | error 1: "in the future", hint with real options |
| duplicate-dates | `a 20240101.geojson`, `b_2024-01-01.geojson` | error 1: both named, hint |
| crs-not-equal-area | `--crs EPSG:3857` | error 2: not equal-area, --force-crs |
| crs-geographic | `--crs EPSG:4326` | error 2: geographic, pass e.g. EPSG:3035 |
| non-ascii-truncated | truncated `знімок 2024-03-05.geojson` | error 1: the non-ASCII name intact |
| empty-featurecollection | `{"features": []}` alone, `info` | ok: empty snapshot, 0 km², warning |
| geometrycollection | GC(polygon, 2 points) + a line | ok: polygon kept, points/line counted |
| bow-tie | self-crossing ring | ok: repaired (1), both lobes kept (½ of the box) |
| self-touching-ring | ring touching itself (inverted hole) | ok: repaired (1), hole kept out |
| duplicate-vertices | every vertex repeated | ok: valid as is, no repair, full area |
| null-geometry | a feature with `"geometry": null` | ok: 1 null skipped, counted |
| z-coordinates | 3-member positions | ok: Z dropped on 2, area unchanged |
| zm-coordinates | 4-member positions | ok: Z/M dropped, no raw GDAL warning on stderr |
| m-coordinates | GeoParquet POLYGON M | ok: M dropped and counted, area unchanged |
| swapped-in-range | 2nd snapshot lat/lon swapped (48 ↔ 37) | ok (observed): all lost, all gained |
| dates-out-of-order | names sort Mar, Jan, Feb | ok: rows in date order, areas chain |
| identical-snapshot | the same file twice | ok: gained = lost = net = 0 |
| empty-snapshot-last | territory, then `{"features": []}`, twice | ok: net = −area, warns twice |
| empty-snapshot-first | `{"features": []}`, then territory | ok: first row gains it all |
| regions-overlap | `--by` layer whose regions overlap | ok: reported, rows + outside = total |
| region-inside-another | `--by` layer, one region wholly inside another | ok: its row is 0 |
| regions-other-crs | `--by` GeoPackage in EPSG:3035 | ok: regions reprojected, rows = total |
| mixed-sources | `.gpkg` + `.geojson.gz` (+ `index.csv`) | ok: both read, one row |
| non-ascii-names | `знімок 2024-01-05.geojson` … with spaces | ok: read, dated, named intact |
"""

from __future__ import annotations

import csv
import functools
import gzip
import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
import shapely.affinity
from pyproj import Geod, Transformer

from .conftest import run_cli

# Dense vertices, so projected edges follow the parallels (no projection slivers to speak of).
SQUARE = shapely.box(37.0, 48.0, 37.2, 48.1).segmentize(0.01)
WIDER = shapely.box(37.0, 48.0, 37.3, 48.1).segmentize(0.01)
WIDEST = shapely.box(37.0, 48.0, 37.4, 48.1).segmentize(0.01)
_GEOD = Geod(ellps="WGS84")


# ---------------------------------------------------------------- writing inputs


def geod_km2(geom: shapely.Geometry) -> float:
    """Geodesic area of a lon/lat (Multi)Polygon on WGS84, km² (orientation-independent)."""
    total = 0.0
    for part in shapely.get_parts(geom):
        ext = abs(_GEOD.polygon_area_perimeter(*part.exterior.xy)[0])
        holes = sum(abs(_GEOD.polygon_area_perimeter(*r.xy)[0]) for r in part.interiors)
        total += ext - holes
    return total / 1e6


def feature(geometry: dict[str, Any] | None, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def gj(geom: shapely.Geometry) -> dict[str, Any]:
    return json.loads(shapely.to_geojson(geom))


def polygon(*rings: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [list(r) for r in rings]}


def ring(geom: shapely.Polygon) -> list[list[float]]:
    return [list(c) for c in geom.exterior.coords]


def write_fc(path: Path, features: list[dict[str, Any]], crs: str | None = None) -> Path:
    # a name unique to the test folder, so no two cases write the same bytes (geotools caches
    # parsed snapshots by content; each case must be read afresh)
    doc: dict[str, Any] = {
        "type": "FeatureCollection",
        "name": f"{path.parent.name}-{path.stem}",
        "features": features,
    }
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")  # NaN → NaN token
    return path


def write_geoms(path: Path, *geoms: shapely.Geometry) -> Path:
    return write_fc(path, [feature(gj(g)) for g in geoms])


# ---------------------------------------------------------------- running and checking


@functools.cache
def help_text(command: str) -> str:
    res = run_cli([command, "--help"])
    top = run_cli(["--help"])
    assert res.returncode == 0 and top.returncode == 0
    return res.stdout + top.stdout


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def info_record(res: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    lines = [line for line in res.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, res.stdout
    return json.loads(lines[0])


def occupied_km2(record: dict[str, Any]) -> float:
    return sum(s["area_km2"] for s in record["statuses"].values())


@dataclass
class Error:
    """Expected: a one-line error naming ``names``, matching ``hint``, with exit ``code``."""

    args: list[str]
    names: list[Path]
    hint: str
    code: int = 1


@dataclass
class Ok:
    """Expected: exit 0, clean stderr, and whatever ``check`` asserts."""

    args: list[str]
    check: Callable[[subprocess.CompletedProcess[str]], None]
    extra: dict[str, Any] = field(default_factory=dict)


def verify_error(res: subprocess.CompletedProcess[str], exp: Error) -> None:
    shown = f"exit {res.returncode}\nstdout: {res.stdout[-500:]}\nstderr: {res.stderr}"
    assert "Traceback" not in res.stderr, shown
    assert "internal error" not in res.stderr, shown
    assert res.returncode == exp.code, shown
    lines = res.stderr.splitlines()
    assert len(lines) == 1, f"stderr must be exactly one line\n{shown}"
    line = lines[0]
    assert line.startswith("geotools: error: "), shown
    for name in exp.names:
        assert str(name) in line, f"{name} not named\n{shown}"
    assert re.search(exp.hint, line, re.IGNORECASE), f"no hint /{exp.hint}/\n{shown}"
    assert "/vsi" not in line, f"GDAL virtual path leaks into the message\n{shown}"
    command = next(a for a in exp.args if not a.startswith("-"))
    for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", line):
        known = re.search(rf"(?<![\w-]){option}(?![\w-])", help_text(command))
        assert known, f"hint names {option}, which is not an option of `geotools {command}`"


def verify_ok(res: subprocess.CompletedProcess[str], exp: Ok) -> None:
    shown = f"exit {res.returncode}\nstdout: {res.stdout[-800:]}\nstderr: {res.stderr}"
    assert "Traceback" not in res.stderr, shown
    assert res.returncode == 0, shown
    stray = [line for line in res.stderr.splitlines() if not line.startswith("geotools: ")]
    assert not stray, f"stderr lines that are not geotools log lines: {stray}\n{shown}"
    exp.check(res)


# ---------------------------------------------------------------- the corpus

CASES: dict[str, Callable[[Path], Error | Ok]] = {}


def case(func: Callable[[Path], Error | Ok]) -> Callable[[Path], Error | Ok]:
    CASES[func.__name__.removeprefix("case_").replace("_", "-")] = func
    return func


# --- unreadable files


@case
def case_truncated_json(tmp: Path) -> Error:
    text = json.dumps({"type": "FeatureCollection", "features": [feature(gj(SQUARE))]})
    path = tmp / "20240101.geojson"
    path.write_text(text[: len(text) // 2])
    return Error(["info", str(path)], [path], r"cannot read.*truncated")


@case
def case_empty_file(tmp: Path) -> Error:
    path = tmp / "20240101.geojson"
    path.write_bytes(b"")
    return Error(["info", str(path)], [path], r"empty \(0 bytes\).*(re-download|remove)")


@case
def case_html_error_page(tmp: Path) -> Error:
    path = tmp / "20240101.geojson"
    path.write_text(
        "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
        "<body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>\n"
    )
    return Error(["info", str(path)], [path], r"cannot read.*error page")


@case
def case_json_not_geojson(tmp: Path) -> Error:
    path = tmp / "20240101.geojson"
    path.write_text(json.dumps({"error": "rate limited", "retry_after": 60}))
    return Error(["info", str(path)], [path], r"cannot read.*GeoJSON")


@case
def case_gzip_not_gzip(tmp: Path) -> Error:
    path = tmp / "20240101.geojson.gz"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    return Error(["info", str(path)], [path], r"not gzip data.*(rename|re-download)")


@case
def case_gzip_truncated(tmp: Path) -> Error:
    data = gzip.compress(
        json.dumps({"type": "FeatureCollection", "features": [feature(gj(SQUARE))]}).encode()
    )
    path = tmp / "20240101.geojson.gz"
    path.write_bytes(data[: len(data) // 2])
    return Error(["info", str(path)], [path], r"cannot read.*truncated")


@case
def case_missing_file(tmp: Path) -> Error:
    path = tmp / "20240101.geojson"
    return Error(["info", str(path)], [path], r"no such file.*check the path")


@case
def case_folder_without_vectors(tmp: Path) -> Error:
    (tmp / "index.csv").write_text("date,file\n2024-01-01,20240101.geojson\n")
    return Error(["series", str(tmp)], [tmp], r"no vector files.*\.geojson")


# --- no polygons, broken geometry


@case
def case_points_only(tmp: Path) -> Error:
    path = write_geoms(tmp / "20240101.geojson", shapely.Point(37, 48), shapely.Point(37.1, 48))
    return Error(["info", str(path)], [path], r"no polygons.*2 Point.*polygon layer")


@case
def case_lines_only(tmp: Path) -> Error:
    path = write_geoms(tmp / "20240101.geojson", shapely.LineString([(37, 48), (37.2, 48.1)]))
    return Error(["info", str(path)], [path], r"no polygons.*1 LineString.*polygon layer")


@case
def case_unclosed_ring(tmp: Path) -> Error:
    coords = ring(shapely.box(37.0, 48.0, 37.2, 48.1))[:-1]
    path = write_fc(tmp / "20240101.geojson", [feature(polygon(coords))])
    return Error(["info", str(path)], [path], r"(closed|unreadable geometry).*(repair|close)")


@case
def case_one_vertex_polygon(tmp: Path) -> Error:
    path = write_fc(tmp / "20240101.geojson", [feature(polygon([[37.0, 48.0]]))])
    return Error(["info", str(path)], [path], r"geometry.*repair")


# --- coordinates and CRS


@case
def case_swapped_out_of_range(tmp: Path) -> Error:
    coords = [[48.0, 200.0], [48.1, 200.0], [48.1, 200.2], [48.0, 200.2], [48.0, 200.0]]
    path = write_fc(tmp / "20240101.geojson", [feature(polygon(coords))])
    return Error(["info", str(path)], [path], r"not lon/lat.*declare the right CRS")


@case
def case_projected_without_crs(tmp: Path) -> Error:
    path = write_geoms(tmp / "20240101.geojson", shapely.box(400000, 5300000, 410000, 5310000))
    return Error(["info", str(path)], [path], r"not lon/lat.*declare the right CRS")


@case
def case_crs_contradicts_coordinates(tmp: Path) -> Error:
    # lon/lat numbers, but the file says they are EPSG:3035 metres: a 200 m × 100 m "polygon"
    # 4000 km from Europe, far outside EPSG:3035's area of use.
    path = write_fc(
        tmp / "20240101.geojson", [feature(gj(SQUARE))], crs="urn:ogc:def:crs:EPSG::3035"
    )
    return Error(["info", str(path)], [path], r"CRS.*(declare|wrong|-a_srs)")


@case
def case_crs_member_last(tmp: Path) -> Ok:
    # RFC 7946 puts no order on members: "crs" may come after a long "features" array.
    to_3035 = Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True)
    dense = SQUARE.segmentize(0.002)
    metres = shapely.transform(dense, lambda xy: np.column_stack(to_3035.transform(*xy.T)))
    doc = {
        "type": "FeatureCollection",
        "name": tmp.name,
        "features": [feature(gj(metres))],
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3035"}},
    }
    path = tmp / "20240101.geojson"
    path.write_text(json.dumps(doc))
    assert path.read_text().index('"crs"') > 4096

    def check(res: subprocess.CompletedProcess[str]) -> None:
        rec = info_record(res)
        assert rec["crs"] == "EPSG:3035"  # the file's own CRS, equal-area, is kept
        assert occupied_km2(rec) == pytest.approx(geod_km2(dense), rel=1e-5)

    return Ok(["info", "--json", str(path)], check)


@case
def case_nan_coordinates(tmp: Path) -> Error:
    coords = [[37.0, 48.0], [float("nan"), 48.0], [37.2, 48.1], [37.0, 48.0]]
    path = write_fc(tmp / "20240101.geojson", [feature(polygon(coords))])
    return Error(["info", str(path)], [path], r"NaN or infinite.*(repair|re-export)")


@case
def case_inf_coordinates(tmp: Path) -> Error:
    coords = [[37.0, 48.0], [float("inf"), 48.0], [37.2, 48.1], [37.0, 48.0]]
    path = write_fc(tmp / "20240101.geojson", [feature(polygon(coords))])
    return Error(["info", str(path)], [path], r"NaN or infinite.*(repair|re-export)")


@case
def case_huge_lonlat(tmp: Path) -> Error:
    coords = [[0.0, 0.0], [1e300, 0.0], [1e300, 1e300], [0.0, 0.0]]
    path = write_fc(tmp / "20240101.geojson", [feature(polygon(coords))])
    return Error(["info", str(path)], [path], r"not lon/lat.*declare the right CRS")


@case
def case_huge_projected(tmp: Path) -> Error:
    coords = [[0.0, 0.0], [1e20, 0.0], [1e20, 1e20], [0.0, 0.0]]
    path = write_fc(
        tmp / "20240101.geojson", [feature(polygon(coords))], crs="urn:ogc:def:crs:EPSG::3035"
    )
    return Error(["info", str(path)], [path], r"coordinates.*CRS")


@case
def case_crs_not_equal_area(tmp: Path) -> Error:
    path = write_geoms(tmp / "20240101.geojson", SQUARE)
    return Error(
        ["info", "--crs", "EPSG:3857", str(path)], [], r"not equal-area.*--force-crs", code=2
    )


@case
def case_crs_geographic(tmp: Path) -> Error:
    path = write_geoms(tmp / "20240101.geojson", SQUARE)
    return Error(["info", "--crs", "EPSG:4326", str(path)], [], r"geographic.*EPSG:3035", code=2)


# --- dates


@case
def case_no_date(tmp: Path) -> Error:
    path = write_geoms(tmp / "control.geojson", SQUARE)
    return Error(["series", str(path)], [path], r"no date.*(rename|--date-field)")


@case
def case_future_date(tmp: Path) -> Error:
    write_geoms(tmp / "20240101.geojson", SQUARE)
    path = write_geoms(tmp / "29990101.geojson", SQUARE)
    return Error(["series", str(tmp)], [path], r"future.*(fix the (date|name)|rename)")


@case
def case_duplicate_dates(tmp: Path) -> Error:
    a = write_geoms(tmp / "a 20240101.geojson", SQUARE)
    b = write_geoms(tmp / "b_2024-01-01.geojson", WIDER)
    write_geoms(tmp / "20240201.geojson", WIDER)
    return Error(["series", str(tmp)], [a, b], r"(same date|have the date).*--on-duplicate")


@case
def case_non_ascii_truncated(tmp: Path) -> Error:
    text = json.dumps({"type": "FeatureCollection", "features": [feature(gj(SQUARE))]})
    path = tmp / "знімок 2024-03-05.geojson"
    path.write_text(text[:40], encoding="utf-8")
    return Error(["info", str(path)], [path], r"cannot read.*truncated")


# --- accepted: repairs logged with figures


@case
def case_empty_featurecollection(tmp: Path) -> Ok:
    path = write_fc(tmp / "20240101.geojson", [])

    def check(res: subprocess.CompletedProcess[str]) -> None:
        rec = info_record(res)
        assert rec["date"] == "2024-01-01"
        assert rec["repairs"]["features"] == 0
        assert occupied_km2(rec) == 0.0
        assert re.search(rf"{re.escape(str(path))}.*(no features|empty snapshot)", res.stderr)

    return Ok(["info", "--json", str(path)], check)


@case
def case_geometrycollection(tmp: Path) -> Ok:
    gc = shapely.GeometryCollection([SQUARE, shapely.Point(37.5, 48.0), shapely.Point(37.6, 48.0)])
    line = shapely.LineString([(37.0, 47.0), (38.0, 47.0)])
    path = write_geoms(tmp / "20240101.geojson", gc, line)

    def check(res: subprocess.CompletedProcess[str]) -> None:
        rec = info_record(res)
        assert rec["repairs"]["non_polygonal_dropped"] == {"Point": 2, "LineString": 1}
        assert rec["repairs"]["polygon_parts"] == 1
        assert occupied_km2(rec) == pytest.approx(geod_km2(SQUARE), rel=1e-5)
        text = run_cli(["info", str(path)])
        assert "non-polygonal parts dropped: 1 LineString, 2 Point" in text.stdout

    return Ok(["info", "--json", str(path)], check)


@case
def case_bow_tie(tmp: Path) -> Ok:
    coords = [[37.0, 48.0], [37.2, 48.1], [37.2, 48.0], [37.0, 48.1], [37.0, 48.0]]
    path = write_fc(tmp / "20240101.geojson", [feature(polygon(coords))])
    lobes = shapely.MultiPolygon(
        [
            shapely.Polygon([(37.0, 48.0), (37.1, 48.05), (37.0, 48.1)]),
            shapely.Polygon([(37.2, 48.0), (37.2, 48.1), (37.1, 48.05)]),
        ]
    )

    def check(res: subprocess.CompletedProcess[str]) -> None:
        rec = info_record(res)
        assert rec["repairs"]["invalid_repaired"] == 1
        (status,) = rec["statuses"].values()
        assert status["parts"] == 2
        # both lobes kept: half of the 0.2° × 0.1° box (not one lobe, not the whole box)
        assert status["area_km2"] == pytest.approx(geod_km2(lobes), rel=1e-4)

    return Ok(["info", "--json", str(path)], check)


@case
def case_self_touching_ring(tmp: Path) -> Ok:
    # The shell runs into itself at (37.1, 48.2), enclosing a triangle: an "inverted" hole.
    pts = [(0, 0), (4, 0), (4, 4), (2, 4), (3, 2), (1, 2), (2, 4), (0, 4), (0, 0)]
    coords = [[37.0 + x * 0.05, 48.0 + y * 0.05] for x, y in pts]
    path = write_fc(tmp / "20240101.geojson", [feature(polygon(coords))])
    expected = shapely.box(37.0, 48.0, 37.2, 48.2).difference(
        shapely.Polygon([(37.1, 48.2), (37.15, 48.1), (37.05, 48.1)])
    )

    def check(res: subprocess.CompletedProcess[str]) -> None:
        rec = info_record(res)
        assert rec["repairs"]["invalid_repaired"] == 1
        assert occupied_km2(rec) == pytest.approx(geod_km2(expected), rel=1e-4)

    return Ok(["info", "--json", str(path)], check)


@case
def case_duplicate_vertices(tmp: Path) -> Ok:
    coords = [c for c in ring(SQUARE)[:-1] for _ in range(3)] + [ring(SQUARE)[0]]
    path = write_fc(tmp / "20240101.geojson", [feature(polygon(coords))])

    def check(res: subprocess.CompletedProcess[str]) -> None:
        rec = info_record(res)
        assert rec["repairs"]["invalid_repaired"] == 0  # repeated points are valid
        assert occupied_km2(rec) == pytest.approx(geod_km2(SQUARE), rel=1e-5)

    return Ok(["info", "--json", str(path)], check)


@case
def case_null_geometry(tmp: Path) -> Ok:
    path = write_fc(tmp / "20240101.geojson", [feature(gj(SQUARE)), feature(None)])

    def check(res: subprocess.CompletedProcess[str]) -> None:
        rec = info_record(res)
        assert rec["repairs"]["features"] == 2 and rec["repairs"]["null_geometries"] == 1
        assert occupied_km2(rec) == pytest.approx(geod_km2(SQUARE), rel=1e-5)

    return Ok(["info", "--json", str(path)], check)


@case
def case_z_coordinates(tmp: Path) -> Ok:
    z1 = [[x, y, 120.5] for x, y in ring(SQUARE)]
    z2 = [[x + 0.5, y, -3.0] for x, y in ring(SQUARE)]
    path = write_fc(tmp / "20240101.geojson", [feature(polygon(z1)), feature(polygon(z2))])
    both = shapely.union(SQUARE, shapely.affinity.translate(SQUARE, xoff=0.5))

    def check(res: subprocess.CompletedProcess[str]) -> None:
        rec = info_record(res)
        assert rec["repairs"]["z_dropped"] == 2
        assert occupied_km2(rec) == pytest.approx(geod_km2(both), rel=1e-5)

    return Ok(["info", "--json", str(path)], check)


@case
def case_zm_coordinates(tmp: Path) -> Ok:
    zm = [[x, y, 120.5, float(i)] for i, (x, y) in enumerate(ring(SQUARE))]
    path = write_fc(tmp / "20240101.geojson", [feature(polygon(zm))])

    def check(res: subprocess.CompletedProcess[str]) -> None:
        rec = info_record(res)
        assert rec["repairs"]["z_dropped"] + rec["repairs"].get("m_dropped", 0) >= 1
        assert occupied_km2(rec) == pytest.approx(geod_km2(SQUARE), rel=1e-5)

    return Ok(["info", "--json", str(path)], check)


@case
def case_m_coordinates(tmp: Path) -> Ok:
    wkt = "POLYGON M ((" + ", ".join(f"{x} {y} {i}" for i, (x, y) in enumerate(ring(SQUARE)))
    geom = shapely.from_wkt(wkt + "))")
    assert shapely.has_m(geom) and not shapely.has_z(geom)
    path = tmp / "20240101.parquet"
    gpd.GeoDataFrame(geometry=[geom], crs="EPSG:4326").to_parquet(path)

    def check(res: subprocess.CompletedProcess[str]) -> None:
        rec = info_record(res)
        # README, Cleaning: "Z/M dropped" — the repair report must say it happened
        dropped = rec["repairs"]["z_dropped"] + rec["repairs"].get("m_dropped", 0)
        assert dropped == 1, f"M dropped but not counted: {rec['repairs']}"
        assert occupied_km2(rec) == pytest.approx(geod_km2(SQUARE), rel=1e-5)

    return Ok(["info", "--json", str(path)], check)


# --- series behaviour


def series_ok(tmp: Path, inputs: list[Path], check_rows: Callable, *extra: str) -> Ok:
    out = tmp / "out" / "table.csv"
    out.parent.mkdir(exist_ok=True)

    def check(res: subprocess.CompletedProcess[str]) -> None:
        rows = read_rows(out)
        assert rows, "no rows written"
        check_rows(rows, res)

    return Ok(["series", *map(str, inputs), *extra, "-o", str(out)], check)


def km2(row: dict[str, str], col: str) -> float:
    return float(row[col])


def approx_km2(expected: float) -> Any:
    return pytest.approx(expected, rel=1e-4, abs=1e-3)


@case
def case_swapped_in_range(tmp: Path) -> Ok:
    # Observed behaviour, documented: lat/lon swapped INSIDE the valid range (48°E 37°N instead
    # of 37°E 48°N, in Iran/Turkey, ~1000 km away) is read as real territory: the whole first
    # snapshot counts as lost and the swapped one as gained. Nothing flags it.
    swapped = shapely.transform(WIDER, lambda xy: xy[:, ::-1])
    write_geoms(tmp / "20240101.geojson", SQUARE)
    write_geoms(tmp / "20240201.geojson", swapped)

    def rows_check(rows: list[dict[str, str]], res: subprocess.CompletedProcess[str]) -> None:
        (row,) = rows
        assert km2(row, "lost_km2") == approx_km2(geod_km2(SQUARE))
        assert km2(row, "gained_km2") == approx_km2(geod_km2(swapped))
        assert km2(row, "net_km2") == approx_km2(geod_km2(swapped) - geod_km2(SQUARE))

    return series_ok(tmp, [tmp], rows_check)


@case
def case_dates_out_of_order(tmp: Path) -> Ok:
    write_geoms(tmp / "a_20240301.geojson", WIDEST)
    write_geoms(tmp / "b_20240101.geojson", SQUARE)
    write_geoms(tmp / "c_20240201.geojson", WIDER)
    strip = geod_km2(shapely.box(37.2, 48.0, 37.3, 48.1).segmentize(0.01))

    def rows_check(rows: list[dict[str, str]], res: subprocess.CompletedProcess[str]) -> None:
        assert [(r["from_date"], r["to_date"]) for r in rows] == [
            ("2024-01-01", "2024-02-01"),
            ("2024-02-01", "2024-03-01"),
        ]
        starts = [r["period_start"] for r in rows]
        assert starts == sorted(starts)
        assert km2(rows[0], "area_to_km2") == pytest.approx(km2(rows[1], "area_from_km2"))
        for r in rows:
            assert km2(r, "gained_km2") == approx_km2(strip)
            assert km2(r, "lost_km2") < 1e-3

    return series_ok(tmp, [tmp], rows_check)


@case
def case_identical_snapshot(tmp: Path) -> Ok:
    a = write_geoms(tmp / "20240101.geojson", SQUARE)
    (tmp / "20240201.geojson").write_bytes(a.read_bytes())

    def rows_check(rows: list[dict[str, str]], res: subprocess.CompletedProcess[str]) -> None:
        (row,) = rows
        assert km2(row, "gained_km2") == 0.0 and km2(row, "lost_km2") == 0.0
        assert km2(row, "net_km2") == 0.0
        assert km2(row, "area_from_km2") == approx_km2(geod_km2(SQUARE))

    return series_ok(tmp, [tmp], rows_check)


@case
def case_empty_snapshot_last(tmp: Path) -> Ok:
    write_geoms(tmp / "20240101.geojson", SQUARE)
    empty = write_fc(tmp / "20240201.geojson", [])

    def rows_check(rows: list[dict[str, str]], res: subprocess.CompletedProcess[str]) -> None:
        (row,) = rows
        area = geod_km2(SQUARE)
        assert km2(row, "net_km2") == approx_km2(-area)
        assert km2(row, "lost_km2") == approx_km2(area)
        assert km2(row, "gained_km2") == 0.0 and km2(row, "area_to_km2") == 0.0
        assert str(empty) in res.stderr and "empty snapshot" in res.stderr
        # a second run (parsed snapshots now cached) must say it again: the warning is about
        # the data, not about the first parse
        again = run_cli(["series", str(tmp), "-o", str(tmp / "out" / "again.csv")])
        assert again.returncode == 0, again.stderr
        warned = str(empty) in again.stderr and "empty snapshot" in again.stderr
        assert warned, f"second (cached) run no longer warns; stderr: {again.stderr!r}"

    return series_ok(tmp, [tmp], rows_check)


@case
def case_empty_snapshot_first(tmp: Path) -> Ok:
    empty = write_fc(tmp / "20240101.geojson", [])
    write_geoms(tmp / "20240201.geojson", SQUARE)
    write_geoms(tmp / "20240301.geojson", WIDER)

    def rows_check(rows: list[dict[str, str]], res: subprocess.CompletedProcess[str]) -> None:
        assert [r["to_date"] for r in rows] == ["2024-02-01", "2024-03-01"]
        assert km2(rows[0], "area_from_km2") == 0.0
        assert km2(rows[0], "gained_km2") == approx_km2(geod_km2(SQUARE))
        assert km2(rows[1], "net_km2") == approx_km2(geod_km2(WIDER) - geod_km2(SQUARE))
        assert str(empty) in res.stderr

    return series_ok(tmp, [tmp], rows_check)


def check_region_rows(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    """Region rows + outside = total, for every area column; returns rows by region."""
    by_region = {r["region"]: r for r in rows}
    assert "total" in by_region and "outside" in by_region
    for col in ("area_from_km2", "area_to_km2", "gained_km2", "lost_km2", "net_km2"):
        parts = sum(km2(r, col) for k, r in by_region.items() if k != "total")
        assert parts == pytest.approx(km2(by_region["total"], col), rel=1e-6, abs=1e-6)
    return by_region


@case
def case_regions_overlap(tmp: Path) -> Ok:
    snaps = tmp / "snaps"
    snaps.mkdir()
    write_geoms(snaps / "20240101.geojson", SQUARE)
    outside = shapely.box(37.6, 48.0, 37.7, 48.1).segmentize(0.01)
    write_geoms(snaps / "20240201.geojson", WIDER, outside)
    alpha = shapely.box(36.9, 47.9, 37.15, 48.2).segmentize(0.01)
    beta = shapely.box(37.1, 47.9, 37.4, 48.2).segmentize(0.01)  # overlaps alpha by 0.05°
    regions = tmp / "regions.geojson"
    write_fc(regions, [feature(gj(alpha), name="Alpha"), feature(gj(beta), name="Beta")])

    def rows_check(rows: list[dict[str, str]], res: subprocess.CompletedProcess[str]) -> None:
        by = check_region_rows(rows)
        # the overlap belongs to Alpha (sorts first), so nothing is counted twice
        assert km2(by["Alpha"], "area_to_km2") == approx_km2(geod_km2(WIDER & alpha))
        assert km2(by["Beta"], "area_to_km2") == approx_km2(geod_km2(WIDER & (beta - alpha)))
        assert km2(by["outside"], "area_to_km2") == approx_km2(geod_km2(outside))
        assert re.search(rf"{re.escape(str(regions))}.*1 overlapping pairs", res.stderr)
        listing = run_cli(["regions", str(regions), "--region-field", "name"])
        assert listing.returncode == 0 and "1 overlapping pairs" in listing.stdout

    return series_ok(tmp, [snaps], rows_check, "--by", str(regions), "--region-field", "name")


@case
def case_region_inside_another(tmp: Path) -> Ok:
    snaps = tmp / "snaps"
    snaps.mkdir()
    write_geoms(snaps / "20240101.geojson", SQUARE)
    write_geoms(snaps / "20240201.geojson", WIDER)
    alpha = shapely.box(36.9, 47.9, 37.5, 48.2).segmentize(0.01)
    beta = shapely.box(37.1, 47.95, 37.25, 48.05).segmentize(0.01)  # wholly inside Alpha
    regions = tmp / "regions.geojson"
    write_fc(regions, [feature(gj(alpha), name="Alpha"), feature(gj(beta), name="Beta")])

    def rows_check(rows: list[dict[str, str]], res: subprocess.CompletedProcess[str]) -> None:
        by = check_region_rows(rows)
        # Beta is all overlap, which the rule gives to Alpha: Beta's row is all zeros
        assert all(km2(by["Beta"], c) == 0.0 for c in ("area_to_km2", "gained_km2"))
        assert km2(by["Alpha"], "area_to_km2") == approx_km2(geod_km2(WIDER))
        assert re.search(rf"{re.escape(str(regions))}.*1 overlapping pairs", res.stderr)

    return series_ok(tmp, [snaps], rows_check, "--by", str(regions), "--region-field", "name")


@case
def case_regions_other_crs(tmp: Path) -> Ok:
    snaps = tmp / "snaps"
    snaps.mkdir()
    write_geoms(snaps / "20240101.geojson", SQUARE)
    write_geoms(snaps / "20240201.geojson", WIDER)
    west = shapely.box(36.9, 47.9, 37.1, 48.2).segmentize(0.005)
    east = shapely.box(37.1, 47.9, 37.5, 48.2).segmentize(0.005)
    to_3035 = Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True)
    projected = [
        shapely.transform(g, lambda xy: np.column_stack(to_3035.transform(xy[:, 0], xy[:, 1])))
        for g in (west, east)
    ]
    regions = tmp / "regions.gpkg"
    gpd.GeoDataFrame({"name": ["West", "East"]}, geometry=projected, crs="EPSG:3035").to_file(
        regions
    )

    def rows_check(rows: list[dict[str, str]], res: subprocess.CompletedProcess[str]) -> None:
        by = check_region_rows(rows)
        assert km2(by["West"], "area_to_km2") == approx_km2(geod_km2(WIDER & west))
        assert km2(by["East"], "gained_km2") == approx_km2(geod_km2(WIDER - SQUARE))
        assert km2(by["outside"], "area_to_km2") < 1e-3

    return series_ok(tmp, [snaps], rows_check, "--by", str(regions), "--region-field", "name")


@case
def case_mixed_sources(tmp: Path) -> Ok:
    gpd.GeoDataFrame(geometry=[SQUARE], crs="EPSG:4326").to_file(tmp / "20240101.gpkg")
    text = json.dumps({"type": "FeatureCollection", "features": [feature(gj(WIDER))]})
    (tmp / "20240201.geojson.gz").write_bytes(gzip.compress(text.encode()))
    (tmp / "index.csv").write_text("date,file\n")

    def rows_check(rows: list[dict[str, str]], res: subprocess.CompletedProcess[str]) -> None:
        (row,) = rows
        assert (row["from_date"], row["to_date"]) == ("2024-01-01", "2024-02-01")
        assert km2(row, "area_from_km2") == approx_km2(geod_km2(SQUARE))
        assert km2(row, "area_to_km2") == approx_km2(geod_km2(WIDER))

    return series_ok(tmp, [tmp], rows_check)


@case
def case_non_ascii_names(tmp: Path) -> Ok:
    a = write_geoms(tmp / "знімок 2024-01-05.geojson", SQUARE)
    b = write_geoms(tmp / "знімок 2024-02-05.geojson", WIDER)

    def rows_check(rows: list[dict[str, str]], res: subprocess.CompletedProcess[str]) -> None:
        (row,) = rows
        assert (row["from_date"], row["to_date"]) == ("2024-01-05", "2024-02-05")
        assert km2(row, "net_km2") == approx_km2(geod_km2(WIDER) - geod_km2(SQUARE))
        info = run_cli(["info", "--json", str(a), str(b)])
        assert info.returncode == 0, info.stderr
        files = [json.loads(line)["file"] for line in info.stdout.splitlines()]
        assert files == [str(a), str(b)]

    return series_ok(tmp, [tmp], rows_check, "--edges", "2024-01-05,2024-02-05")


# ---------------------------------------------------------------- the tests


def test_corpus_has_enough_cases():
    assert len(CASES) >= 25
    table = __doc__.split("| case |")[1]
    documented = re.findall(r"^\| ([a-z0-9-]+) \|", table, re.MULTILINE)
    assert sorted(documented) == sorted(CASES), "docstring table and CASES disagree"


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input(name: str, tmp_path: Path) -> None:
    expected = CASES[name](tmp_path)
    res = run_cli(expected.args)
    if isinstance(expected, Error):
        verify_error(res, expected)
    else:
        verify_ok(res, expected)
