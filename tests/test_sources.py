"""Source profiles: raw DeepState (every status class) and ISW layers, on every shared file."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer

import geotools
from geotools.crs import WGS84
from geotools.errors import DataError, UsageError
from geotools.read import ReadOptions, load_snapshot, resolve_refs
from geotools.regions import RegionSpec
from geotools.sources.profile import (
    EXCLUDE,
    OTHER,
    PART_SUFFIX,
    UNMARKED,
    classify,
    load_profile,
)
from tests.conftest import data_path, run_cli, write_geojson

CLASSES = ["occupied_pre2022", "occupied", "contested", "liberated"]
#: Polygon labels the deepstate-raw profile leaves as ``other`` on purpose (see the profile).
EXPECTED_OTHER = {"Occupied Tuzla Island", "Острів Тузла", "Багатокутник"}


def _snap(path: Path, profile: str = "deepstate-raw", crs: object = None) -> geotools.Snapshot:
    return load_snapshot(resolve_refs([path])[0], options=ReadOptions(crs=crs, profile=profile))  # type: ignore[arg-type]


def _raw_files() -> list[Path]:
    root = data_path("deepstate_raw")
    return sorted(root.glob("samples/*.geojson.gz")) + sorted(root.glob("daily/*.geojson.gz"))


def test_every_raw_deepstate_file_is_classified() -> None:
    """All 356 raw files: every polygon gets a class, is excluded by a stated rule, or is one
    of the labels the profile leaves out on purpose; the report adds up to the features."""
    files = _raw_files()
    assert len(files) >= 350
    seen_other: set[str] = set()
    russian = []
    for path in files:
        snap = _snap(path)
        rep = snap.classes
        assert rep is not None
        assert sum(rep.features.values()) + snap.repairs.null_geometries == snap.repairs.features
        left_out = sum(rep.other.values()) + sum(rep.ignored.values())
        assert left_out + rep.points == rep.features.get(OTHER, 0)
        whole = sum(n for label, n in rep.outside_roi.items() if not label.endswith(PART_SUFFIX))
        assert sum(rep.excluded.values()) + whole == rep.features.get(EXCLUDE, 0)
        seen_other |= set(rep.other) | set(rep.ignored)
        # every raw file of 2022-2025 has a grey zone and liberated areas (checked on the data)
        assert snap.area_km2("contested") > 100, path.name
        assert snap.area_km2("liberated") > 10_000, path.name
        assert snap.area_km2("occupied") > 30_000
        assert snap.area_km2("occupied_pre2022") > 40_000  # Crimea + ORDLO, every period
        # disjoint classes: the union is exactly the sum
        total = snap.area_km2("occupied") + snap.area_km2("occupied_pre2022")
        assert snap.area_km2("russian_control") == pytest.approx(total, rel=1e-9, abs=1e-3)
        russian.append(snap.area_km2("russian_control"))
    assert seen_other <= EXPECTED_OTHER, seen_other - EXPECTED_OTHER
    # Plausible over 2022–2025: between 100,000 and 130,000 km² every day.
    assert min(russian) > 100_000 and max(russian) < 130_000


#: An independent reading of the raw samples: the class by fill colour alone (PROVENANCE's
#: "fill is a more stable class signal"), Crimea / ORDLO by name, and no source profile.
FILL_CLASS = {
    "#a52714": "occupied",
    "#bcaaa4": "contested",
    "#bdbdbd": "contested",
    "#757575": "contested",
    "#0288d1": "liberated",
    "#0f9d58": "liberated",
    "#01579b": "liberated",
    "#0097a7": "liberated",
}
PRE2022_NAME = re.compile(r"crimea|крим|cadr|calr|ордло|ordlo", re.IGNORECASE)
#: Per sample: (contested, liberated) km² to within 1 km², from the independent reading.
SAMPLE_KM2 = {
    "1648989208": (5_599.4, 14_050.2),
    "1652400931": (729.5, 20_690.8),
    "1672528847": (419.9, 42_686.7),
    "1688077565": (381.3, 43_174.4),  # 312.4 without the grey GeometryCollection's 68.9
    "1704057558": (496.1, 43_392.0),
    "1711141551": (588.2, 43_314.5),
    "1711228520": (584.4, 43_327.3),
    "1734816028": (906.7, 42_977.8),
    "1735766502": (902.3, 42_961.9),
    "1754251105": (1_044.8, 41_857.9),
}


def _independent_classes(path: Path) -> dict[str, list[tuple[shapely.Geometry, bool]]]:
    """Polygons (lon/lat) per class read straight from the JSON, each with whether it came
    from a GeometryCollection. Decorative polygons are left out by fill (#ff5252; #000000 or
    #880e4f without a Crimea / ORDLO name) and by position (a part away from Ukraine's box)."""
    doc = json.loads(gzip.decompress(path.read_bytes()))
    out: dict[str, list[tuple[shapely.Geometry, bool]]] = {c: [] for c in CLASSES}
    for feature in doc["features"]:
        geometry = feature["geometry"]
        if geometry is None or geometry["type"] == "Point":
            continue
        props = feature["properties"]
        name, fill = props.get("name", ""), props.get("fill", "").lower()
        if fill in ("#000000", "#880e4f"):
            tuzla = re.search("tuzla|тузла", name, re.IGNORECASE)
            cls = "occupied_pre2022" if PRE2022_NAME.search(name) and not tuzla else None
        else:
            cls = FILL_CLASS.get(fill)
        if cls is None:
            continue
        whole = shapely.force_2d(shapely.from_geojson(json.dumps(geometry)))
        for part in shapely.get_parts(whole):
            x, y = shapely.get_coordinates(part.representative_point())[0]
            if 22 < x < 41 and 44 < y < 53:  # Ukraine with Crimea
                out[cls].append(
                    (shapely.make_valid(part), geometry["type"] == "GeometryCollection")
                )
    return out


def _precedence_areas_km2(
    unions: dict[str, shapely.Geometry], area: Callable[[shapely.Geometry], float]
) -> dict[str, float]:
    """Each class's union minus the classes listed before it (the profile's precedence)."""
    taken = shapely.Polygon()
    out = {}
    for cls in CLASSES:
        out[cls] = area(shapely.difference(unions[cls], taken)) / 1e6
        taken = shapely.union(taken, unions[cls])
    return out


def test_raw_samples_classes_against_an_independent_reading() -> None:
    """Every raw sample (2022-2025, every naming period): each class's area equals a union of
    the raw features grouped by fill colour, read with json + shapely, made disjoint in the
    profile's order: in the snapshot's equal-area CRS to 1 m² + 1e-9 (the same polygons and
    projection: only the arithmetic may differ), and geodesically (pyproj.Geod) to 1e-4
    relative (straight edges in the projection against geodesic edges: up to 5.2e-5 measured,
    on the long edges of the 2022 liberated layers). The grey-zone GeometryCollections of
    2023-06-29 and 2024-12-21 count as contested."""
    geod = Geod(ellps="WGS84")
    files = sorted(data_path("deepstate_raw", "samples").glob("*.geojson.gz"))
    assert [p.name.split(".")[0] for p in files] == sorted(SAMPLE_KM2)
    for path in files:
        snap = _snap(path)
        to_crs = Transformer.from_crs(WGS84, snap.crs, always_xy=True)

        def project(g: shapely.Geometry, t: Transformer = to_crs) -> shapely.Geometry:
            return shapely.transform(g, lambda xy: np.column_stack(t.transform(*xy.T)))

        found = _independent_classes(path)
        # projected, then dissolved in the equal-area CRS, as geotools makes a disjoint
        # profile's classes from its projected features (and as the plain pipeline does:
        # to_crs, then dissolve); dissolving in lon/lat first moves the nodes where edges
        # cross, by 0.008 km² on 1648989208's overlapping occupied polygons (1.2e-7 of them)
        lonlat = {c: shapely.union_all([g for g, _ in parts]) for c, parts in found.items()}
        projected = {
            c: shapely.union_all([project(g) for g, _ in parts]) for c, parts in found.items()
        }
        planar = _precedence_areas_km2(projected, shapely.area)
        geodesic = _precedence_areas_km2(lonlat, lambda g: abs(geod.geometry_area_perimeter(g)[0]))
        for cls in CLASSES:
            got = snap.area_km2(cls)
            assert got == pytest.approx(planar[cls], rel=1e-9, abs=1e-6), (path.name, cls)
            assert got == pytest.approx(geodesic[cls], rel=1e-4), (path.name, cls)
        contested, liberated = SAMPLE_KM2[path.name.split(".")[0]]
        assert snap.area_km2("contested") == pytest.approx(contested, abs=1)
        assert snap.area_km2("liberated") == pytest.approx(liberated, abs=1)
        # the grey collections' own share: what contested loses without them
        plain = shapely.union_all([g for g, collection in found["contested"] if not collection])
        without = _precedence_areas_km2({**projected, "contested": project(plain)}, shapely.area)
        share = planar["contested"] - without["contested"]
        if path.name.startswith(("1688077565", "1734816028")):
            assert share > 1, (path.name, share)
        else:
            assert share == 0, (path.name, share)


def test_raw_equals_flattened_on_2024_07_31() -> None:
    """Acceptance: occupied + occupied_pre2022 of raw 2024-07-31 = flattened 2024-08-01."""
    raw = _snap(data_path("deepstate_raw", "daily", "1722459268.geojson.gz"))
    flat = _snap(data_path("deepstate", "daily", "20240801.geojson.gz"), profile=None, crs=raw.crs)  # type: ignore[arg-type]
    diff = flat.area_km2("occupied") - raw.area_km2("russian_control")
    assert abs(diff) < 1.0
    assert 0 <= diff < 0.05  # PROVENANCE: +0.030 (the flattener's buffer cleanup)
    # and geometrically, not just in total
    sym = shapely.area(
        shapely.symmetric_difference(flat.geometries["occupied"], raw.geometries["russian_control"])
    )
    assert sym / 1e6 < 0.05


def test_raw_classes_match_provenance_parts_on_2024_07_31() -> None:
    """Each class of raw 2024-07-31 against deepstate_raw/PROVENANCE.md's geodesic parts.

    Tolerance 0.05 km² (as the matched pairs): the profile's classes are disjoint (a grey
    polygon's overlap with occupied goes to occupied), PROVENANCE's parts are separate unions.
    Liberated: PROVENANCE's 43,016.401 km² (dismissed, dated or not) without Snake Island
    (≈ 6.6 km², liberated by the profile), so only within 10 km²."""
    raw = _snap(data_path("deepstate_raw", "daily", "1722459268.geojson.gz"))
    assert raw.area_km2("contested") == pytest.approx(651.105, abs=0.05)  # status.unknown
    assert raw.area_km2("occupied") == pytest.approx(65_511.739, abs=0.05)  # status.occupied
    assert raw.area_km2("occupied_pre2022") == pytest.approx(16_809.789 + 27_173.608, abs=0.05)
    assert raw.area_km2("liberated") == pytest.approx(43_016.401, abs=10)
    assert raw.area_km2("liberated") > 43_016.401 - 0.05


def test_raw_matches_flattened_on_every_matched_pair() -> None:
    """PROVENANCE's 157 matched (raw D, flattened D+1) pairs of 2024: 0 ≤ flat − raw < 0.05."""
    table = data_path("deepstate_raw", "area_check_2024.csv")
    rows = list(csv.DictReader(table.read_text("utf-8").splitlines()))
    matched = [r for r in rows if abs(float(r["diff_km2"])) < 0.05]
    assert len(matched) == 157
    crs = None
    for r in matched:
        raw = _snap(data_path("deepstate_raw", "daily", r["raw_file"]), crs=crs)
        crs = raw.crs
        flat = _snap(data_path("deepstate", "daily", r["flat_file"]), profile=None, crs=crs)  # type: ignore[arg-type]
        diff = flat.area_km2("occupied") - raw.area_km2("russian_control")
        assert 0 <= diff < 0.05, (r["raw_file"], diff)
        # and the provenance's own geodesic figure for the raw union (equal-area vs geodesic: 1e-6)
        assert raw.area_km2("russian_control") == pytest.approx(
            float(r["raw_occ_ordlo_crimea_km2"]), rel=1e-6
        )


def test_year_of_raw_daily_series_with_transitions(boundaries_full: Path) -> None:
    """A year of raw daily snapshots through series with status classes and transitions:
    regions sum to total, russian_control = occupied + occupied_pre2022, and every matrix row
    sums to the class's lost km² and every column to its gained km² (per region too)."""
    folder = data_path("deepstate_raw", "daily")
    result = geotools.series(
        [folder],
        options=ReadOptions(profile="deepstate-raw"),
        period="month",
        transitions=True,
        regions=RegionSpec(boundaries_full),
    )
    table, moved = result.table, result.transitions
    assert moved is not None
    assert result.snapshots == 346
    assert set(table["status"]) == set(CLASSES) | {"russian_control"}
    assert table["period_start"].nunique() == 11  # January … November (December is partial)
    key = ["period_start", "status"]
    regions = table[table["region"] != "total"].groupby(key)[["gained_km2", "lost_km2"]].sum()
    totals = table[table["region"] == "total"].set_index(key)[["gained_km2", "lost_km2"]]
    assert np.allclose(regions.sort_index(), totals.sort_index(), rtol=1e-6, atol=1e-6)
    tot = table[table["region"] == "total"].pivot(
        index="period_start", columns="status", values="net_km2"
    )
    assert np.allclose(tot["russian_control"], tot["occupied"] + tot["occupied_pre2022"], atol=1e-3)
    # conservation of the matrices, per period and region
    merged = table.set_index(["period_start", "region", "status"])
    out_of = moved.groupby(["period_start", "region", "from_status"])["area_km2"].sum()
    into = moved.groupby(["period_start", "region", "to_status"])["area_km2"].sum()
    for (p, region, cls), lost in out_of.items():
        if cls != UNMARKED:
            assert lost == pytest.approx(merged.loc[(p, region, cls), "lost_km2"], abs=1e-6)
    for (p, region, cls), gained in into.items():
        if cls != UNMARKED:
            assert gained == pytest.approx(merged.loc[(p, region, cls), "gained_km2"], abs=1e-6)
    # grey-zone dynamics happen: some contested area became occupied every month
    grey = moved[
        (moved["region"] == "total")
        & (moved["from_status"] == "contested")
        & (moved["to_status"] == "occupied")
    ]
    assert (grey["area_km2"] > 1).all()
    # the same numbers serially and from the cache
    again = geotools.series(
        [folder],
        options=ReadOptions(profile="deepstate-raw"),
        period="month",
        transitions=True,
        regions=RegionSpec(boundaries_full),
        workers=1,
    )
    assert again.transitions is not None
    assert again.transitions.equals(moved)
    assert again.table.equals(table)


#: (before, after, day before, {(from, to): km² measured}) of the raw pairs checked below.
REAL_PAIRS = [
    # a usual day: contested → occupied 20.461 km², occupied → contested 0.539, liberated →
    # occupied 0.016
    pytest.param(
        "1730669408.geojson.gz",
        "1730756730.geojson.gz",
        dt.date(2024, 11, 3),
        {
            ("contested", "occupied"): 20.461,
            ("occupied", "contested"): 0.539,
            ("liberated", "occupied"): 0.016,
        },
        id="2024-11-03",
    ),
    # the day DeepState moved every vertex by up to 5e-7° (issue 20): some 500 slivers a
    # class, which the transitions intersect part by part
    pytest.param(
        "1722284448.geojson.gz",
        "1722371412.geojson.gz",
        dt.date(2024, 7, 29),
        {
            ("contested", "occupied"): 6.296,
            ("liberated", "contested"): 3.205,
            ("liberated", "occupied"): 0.978,
        },
        id="2024-07-29-every-vertex-moved",
    ),
]


@pytest.mark.parametrize(("first", "second", "day", "measured"), REAL_PAIRS)
def test_transitions_of_a_real_pair_against_direct_intersections(
    first: str, second: str, day: dt.date, measured: dict[tuple[str, str], float]
) -> None:
    """Every cell of the matrix equals the area of X(before) ∩ Y(after), intersected directly
    in the equal-area CRS (the engine intersects only lost(X) ∩ gained(Y), part by part), and
    ``unmarked`` cells are the area that left (entered) the classes altogether; each cell's
    regions add up to it. Tolerance 1 m² + 1e-9 relative; the measured cells to 0.001 km²."""
    folder = data_path("deepstate_raw", "daily")
    pair = [folder / first, folder / second]
    regions = data_path("boundaries", "geoBoundaries-UKR-ADM1.geojson.gz")
    result = geotools.series(
        pair,
        options=ReadOptions(profile="deepstate-raw"),
        period="day",
        transitions=True,
        regions=RegionSpec(regions),
    )
    assert result.transitions is not None and result.crs is not None
    moved = result.transitions
    assert set(moved["period_start"].astype(str)) == {day.isoformat()}
    total = moved[moved.region == "total"]
    cells = total.set_index(["from_status", "to_status"])["area_km2"]
    by_region = moved[moved.region != "total"].groupby(["from_status", "to_status"]).area_km2
    before, after = (_snap(p, crs=result.crs) for p in pair)
    assert (before.date, after.date) == (day, day + dt.timedelta(days=1))

    def km2(geom: shapely.Geometry) -> float:
        return float(shapely.area(geom)) * before.m2_per_unit / 1e6

    everything_before = shapely.union_all([before.geometries[c] for c in CLASSES])
    everything_after = shapely.union_all([after.geometries[c] for c in CLASSES])
    expected = {}
    for x in CLASSES:
        for y in CLASSES:
            if x != y:
                expected[(x, y)] = km2(
                    shapely.intersection(before.geometries[x], after.geometries[y])
                )
        expected[(x, UNMARKED)] = km2(shapely.difference(before.geometries[x], everything_after))
        expected[(UNMARKED, x)] = km2(shapely.difference(after.geometries[x], everything_before))
    assert set(cells.index) == set(expected)
    for key, want in expected.items():
        assert cells[key] == pytest.approx(want, rel=1e-9, abs=1e-6), key
        assert by_region.sum().get(key, 0.0) == pytest.approx(cells[key], rel=1e-9, abs=1e-6)
    for key, km2_measured in measured.items():
        assert expected[key] == pytest.approx(km2_measured, abs=0.001), key


def test_transitions_refuse_a_profile_with_overlapping_classes() -> None:
    """ISW's layers overlap by design (claimed areas lie beyond assessed control): a matrix
    over them would count area twice, so transitions are refused with a clear message."""
    root = data_path("isw", "nikkei")
    pair = [root / "data_20230531.geojson.gz", root / "data_20230824.geojson.gz"]
    assert not load_profile("isw").disjoint
    with pytest.raises(UsageError, match=r"profile 'isw' has overlapping classes; transitions"):
        geotools.series(pair, options=ReadOptions(profile="isw"), period="month", transitions=True)
    res = run_cli(["transitions", "--profile", "isw", "--period", "month", *map(str, pair)])
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "overlapping classes" in lines[0] and "disjoint" in lines[0]
    # the same files measured without transitions are fine: only the matrix is refused
    assert not geotools.series(pair, options=ReadOptions(profile="isw"), period="month").table.empty


def test_history_last_wrapper(tmp_path: Path) -> None:
    """The /api/history/last body: {"id", "datetime", "map": FeatureCollection}."""
    src = data_path("deepstate_raw", "samples", "1754251105.geojson.gz")
    inner = json.loads(gzip.decompress(src.read_bytes()))
    wrapped = tmp_path / "last.json"
    wrapped.write_text(
        json.dumps({"id": 1754251105, "datetime": "2025-08-03T19:58:25Z", "map": inner})
    )
    ref = resolve_refs([wrapped])[0]
    assert ref.date == dt.date(2025, 8, 3) and ref.date_origin == "snapshot datetime"
    a = load_snapshot(ref, options=ReadOptions(profile="deepstate-raw"))
    b = _snap(src, crs=a.crs)
    for cls in CLASSES:
        assert a.area_m2(cls) == pytest.approx(b.area_m2(cls), abs=1e-3)
    res = run_cli(["info", "--profile", "deepstate-raw", str(wrapped)])
    assert res.returncode == 0, res.stderr
    assert "2025-08-03 (from snapshot datetime)" in res.stdout
    assert "occupied_pre2022" in res.stdout


def test_other_by_rule_is_reported_apart_from_unmatched() -> None:
    """Tuzla is left out by a rule of the profile: reported as such, not as unmatched."""
    snap = _snap(data_path("deepstate_raw", "daily", "1722459268.geojson.gz"))
    rep = snap.classes
    assert rep is not None
    assert any("Tuzla" in label for label in rep.ignored), rep.ignored
    assert not any("Tuzla" in label for label in rep.other), rep.other
    assert "other (by rule): " in rep.summary()


def test_profile_override_counts_tuzla(tmp_path: Path) -> None:
    """A user's copy of the profile can put Tuzla Island in occupied_pre2022 (+4.38 km²)."""
    shipped = Path(geotools.__file__).resolve().parents[1] / "shapes" / "profiles"
    doc = json.loads((shipped / "deepstate-raw.json").read_text("utf-8"))
    for rule in doc["rules"]:
        if rule["status"] == "other" and "tuzla" in rule["when"].get("name", ""):
            rule["status"] = "occupied_pre2022"
    mine = tmp_path / "mine.json"
    mine.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    path = data_path("deepstate_raw", "daily", "1722459268.geojson.gz")
    base = _snap(path)
    more = _snap(path, profile=str(mine), crs=base.crs)
    extra = more.area_km2("occupied_pre2022") - base.area_km2("occupied_pre2022")
    assert extra == pytest.approx(4.379, abs=0.01)  # PROVENANCE: Tuzla adds 4.379–4.380


def test_bad_profiles(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown profile 'nope'"):
        load_profile("nope")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"classes": ["occupied"], "rules": [{"status": "x", "when": {}}]}))
    with pytest.raises(UsageError, match="not valid"):
        load_profile(bad)
    src = data_path("deepstate_raw", "samples", "1754251105.geojson.gz")
    res = run_cli(["info", "--profile", "nope", str(src)])
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1 and "unknown profile" in res.stderr
    res = run_cli(["info", "--profile", "deepstate-raw", "--status-field", "name", str(src)])
    assert res.returncode == 2 and "not both" in res.stderr


def test_rules_on_dirty_names(tmp_path: Path) -> None:
    """Whitespace (newlines, no-break spaces), keys with arguments, fill-only classes, labels
    and the region-of-interest rule, on hand-made features."""

    def sq(x: float, y: float, d: float = 0.05) -> shapely.Geometry:
        return shapely.box(x, y, x + d, y + d)

    feats = [
        (
            sq(37.0, 48.0),
            {"name": "Окуповано\u00a0/// Occupied\u00a0/// geoJSON.status.occupied\n"},
        ),
        (
            sq(37.1, 48.0),
            {"name": "X /// Liberated 25.03 /// geoJSON.status.dismissed_at {{at:25.03}}"},
        ),
        (sq(37.2, 48.0), {"name": "Під питанням", "fill": "#BCAAA4"}),
        (sq(37.3, 48.0), {"name": "Багатокутник", "fill": "#a52714"}),  # fill says occupied
        (sq(30.2, 45.24, 0.02), {"name": "Зміїний /// Snake Island", "fill": "#a52714"}),
        (
            sq(33.0, 65.0, 1.0),
            {"name": "Окупована Карелія\n///\nThe temporarily occupied territory of Karelia."},
        ),
        (
            sq(25.0, 62.0, 0.5),
            {"name": "Окуповано /// Occupied /// geoJSON.status.occupied"},
        ),  # in Finland
        (shapely.Point(37.0, 48.0), {"name": "Напрямок удару /// Direction of attack"}),
        (sq(37.4, 48.0), {"name": "something new", "fill": "#123456"}),
    ]
    path = write_geojson(
        tmp_path / "20240501.geojson", [g for g, _ in feats], [p for _, p in feats]
    )
    profile = load_profile("deepstate-raw")
    geoms = np.asarray([g for g, _ in feats], dtype=object)
    attrs = {k: np.asarray([p.get(k) for _, p in feats], dtype=object) for k in ("name", "fill")}
    statuses, report = classify(profile, geoms, attrs, WGS84, path.name)
    assert list(statuses) == [
        "occupied",
        "liberated",
        "contested",
        "occupied",
        "occupied",
        EXCLUDE,
        EXCLUDE,
        OTHER,
        OTHER,
    ]
    assert report.points == 1
    assert report.other == {"something new": 1}
    assert report.outside_roi == {"Occupied": 1}
    assert list(report.excluded) == ["The temporarily occupied territory of Karelia."]
    snap = load_snapshot(resolve_refs([path])[0], options=ReadOptions(profile=profile))
    assert snap.classes is not None and snap.classes.outside_roi == {"Occupied": 1}


def test_disjoint_precedence_and_synthetic_transitions(tmp_path: Path) -> None:
    """Overlapping raw classes are made disjoint (earlier class wins); a 2 × 1 km grey strip
    that becomes occupied is a 2 km² contested → occupied transition, exactly."""
    from geotools.crs import choose_equal_area_crs

    crs = choose_equal_area_crs((36.9, 47.9, 37.2, 48.2))
    occ = "Окуповано /// Occupied /// geoJSON.status.occupied"
    grey = "Статус невідомий /// Unknown status /// geoJSON.status.unknown"
    lib = "Звільнено /// Liberated /// geoJSON.status.dismissed"
    # Work in metres in the equal-area CRS, written with the CRS declared.
    a_occ, a_grey, a_lib = (
        shapely.box(0, 0, 10e3, 10e3),
        shapely.box(10e3, 0, 12e3, 1e3),
        shapely.box(5e3, 0, 20e3, 10e3),
    )
    b_occ = shapely.box(0, 0, 12e3, 10e3)
    srs = crs.to_wkt()
    for name, geoms, names in (
        ("20240501.geojson", [a_occ, a_grey, a_lib], [occ, grey, lib]),
        ("20240502.geojson", [b_occ, a_lib], [occ, lib]),
    ):
        doc = {
            "type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": srs}},
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": n},
                    "geometry": json.loads(shapely.to_geojson(g)),
                }
                for g, n in zip(geoms, names, strict=True)
            ],
        }
        (tmp_path / name).write_text(json.dumps(doc))
    first = load_snapshot(
        resolve_refs([tmp_path / "20240501.geojson"])[0],
        options=ReadOptions(crs=crs, profile="deepstate-raw"),
    )
    # liberated 15 × 10 km minus what occupied (10 km²… 5×10) and contested (2 km²) hold
    assert first.area_km2("occupied") == pytest.approx(100, abs=1e-6)
    assert first.area_km2("contested") == pytest.approx(2, abs=1e-6)
    assert first.area_km2("liberated") == pytest.approx(150 - 50 - 2, abs=1e-6)
    result = geotools.series(
        [tmp_path],
        options=ReadOptions(crs=crs, profile="deepstate-raw"),
        period="day",
        transitions=True,
    )
    assert result.transitions is not None
    m = result.transitions.set_index(["from_status", "to_status"])["area_km2"]
    assert m[("contested", "occupied")] == pytest.approx(2.0, abs=1e-6)
    assert m[("liberated", "occupied")] == pytest.approx(18.0, abs=1e-6)  # 10..12 km × 1..10 km
    assert m[("contested", UNMARKED)] == pytest.approx(0.0, abs=1e-6)
    assert m.drop([("contested", "occupied"), ("liberated", "occupied")]).abs().max() < 1e-6
    res = run_cli(
        ["transitions", "--profile", "deepstate-raw", "--period", "day", "--matrix", str(tmp_path)]
    )
    assert res.returncode == 0, res.stderr
    assert "rows: from, columns: to" in res.stdout


def test_isw_files_classes_and_areas() -> None:
    """Every ISW file reads with the isw profile; control areas match PROVENANCE's geodesic
    union figures; the mis-dated 2202 files are refused with a clear message."""
    expected = {  # PROVENANCE.md, "Areas": geodesic union of assessed control, km²
        "20220331_RussianAssessedCoTinUkraine.geojson.gz": 126_851.0,
        "20220630_RussianAssessedCoTinUkraine.geojson.gz": 118_024.6,
        "20221130_RussianAssessedCoTinUkraine.geojson.gz": 105_041.9,
        "data_20230531.geojson.gz": 106_726.0,
        "territory_geojson_2024-08-29.geojson.gz": 108_526.0,
        "territory_geojson_2025-12-28.geojson.gz": 113_308.5,
    }
    other_layers = {
        "20220911_RussianAssessedAdvanceinUkraine.geojson.gz": ("assessed_advance", 2_780.3),
        "20220911_RussianClaimedCoTinUkraine.geojson.gz": ("claimed_control", 561.9),
        "20220911_UkrainianClaimedCounterOffensives.geojson.gz": (
            "claimed_counteroffensive",
            13_263.9,
        ),
        "20220911_UkrainianReportedPartisanWarfare.geojson.gz": ("partisan_warfare", 2_392.3),
    }
    root = data_path("isw")
    files = sorted(root.glob("*/*.geojson.gz"))
    assert len(files) == 24
    read = 0
    for path in files:
        if path.name.startswith("territory_geojson_2202"):
            with pytest.raises(DataError, match="in the future"):
                resolve_refs([path])
            continue
        snap = _snap(path, profile="isw")
        read += 1
        assert snap.classes is not None and snap.classes.features.get(OTHER, 0) == 0
        if path.name in expected:
            assert snap.area_km2("occupied") == pytest.approx(expected[path.name], abs=0.5)
        if path.name in other_layers:
            cls, km2 = other_layers[path.name]
            assert snap.area_km2(cls) == pytest.approx(km2, abs=0.5)
            assert snap.area_km2("occupied") == 0
    assert read == 22
    fixed = resolve_refs(
        [root / "sdspieg" / "territory_geojson_2202-02-02.geojson.gz"], dates=[dt.date(2024, 2, 2)]
    )
    assert fixed[0].date == dt.date(2024, 2, 2)
