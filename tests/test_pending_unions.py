"""A profile's union (``russian_control``) made only when read (issue 20): every way of reading
a snapshot's geometries sees it, a series of raw days never needs it, the cache keeps it
pending, and the table's union rows are its members' added."""

from __future__ import annotations

import copy
import itertools
import pickle

import pytest
import shapely

from geotools import memo
from geotools.diff import diff_snapshots
from geotools.read import ReadOptions
from geotools.read.loader import load_snapshot, parse_snapshot
from geotools.read.options import as_options
from geotools.read.refs import resolve_refs
from geotools.snapshot import Geometries
from geotools.sources import profile as profile_module
from tests.test_memo import _raw_files

RAW = ReadOptions(profile="deepstate-raw")
UNIONS = {"russian_control": ("occupied", "occupied_pre2022")}


def _counted() -> tuple[Geometries, list[int]]:
    calls: list[int] = []

    def make() -> shapely.Geometry:
        calls.append(1)
        return shapely.box(1, 0, 2, 1)

    return Geometries({"a": shapely.box(0, 0, 1, 1)}, {"b": make}), calls


@pytest.mark.parametrize(
    "read",
    [
        lambda g: g["b"],
        lambda g: g.get("b"),
        lambda g: dict(g)["b"],
        lambda g: {**g}["b"],
        lambda g: dict(g.items())["b"],
        lambda g: list(g.values())[1],
        lambda g: pickle.loads(pickle.dumps(g))["b"],
        lambda g: copy.deepcopy(g)["b"],
        lambda g: (g | {})["b"],
        lambda g: g.pop("b"),
    ],
    ids=["getitem", "get", "dict", "splat", "items", "values", "pickle", "deepcopy", "or", "pop"],
)
def test_every_read_makes_the_pending_geometry_once(read) -> None:
    g, calls = _counted()
    assert sorted(g) == ["a", "b"] and "b" in g and len(g) == 2  # keys need nothing made
    assert g.pending() == ["b"] and list(g.made()) == ["a"] and calls == []
    geom = read(g)
    assert shapely.equals(geom, shapely.box(1, 0, 2, 1))
    assert calls == [1]
    if "b" in g:
        g["b"]  # made once, kept
        assert calls == [1] and g.pending() == []


def test_a_copy_keeps_the_union_pending_on_both_sides() -> None:
    g, calls = _counted()
    twin = g.copy()
    assert twin.pending() == ["b"] and g.pending() == ["b"] and calls == []
    assert shapely.equals(twin["b"], g["b"]) and calls == [1, 1]


def test_a_replaced_pending_geometry_is_not_made() -> None:
    g, calls = _counted()
    g.update({"b": shapely.box(5, 5, 6, 6)})
    assert g["b"].bounds == (5.0, 5.0, 6.0, 6.0) and calls == []
    g2, calls2 = _counted()
    g2["b"] = shapely.box(7, 7, 8, 8)
    assert list(g2.values())[1].bounds == (7.0, 7.0, 8.0, 8.0) and calls2 == []
    assert g2 == {"a": shapely.box(0, 0, 1, 1), "b": shapely.box(7, 7, 8, 8)}


@pytest.fixture
def made(monkeypatch) -> list[int]:
    """One entry per union a profile makes (sources.profile._union counted)."""
    calls: list[int] = []
    real = profile_module._union

    def counting(parts):
        calls.append(1)
        return real(parts)

    monkeypatch.setattr(profile_module, "_union", counting)
    return calls


def test_raw_series_pairs_never_make_the_union(made) -> None:
    """Six raw days diffed as a series does (with the profile's unions): the union is never
    made, yet its Change equals the one measured on the made union (to float noise), and its
    areas are its members' added."""
    opts = as_options(RAW)
    refs = resolve_refs(_raw_files(230, 236), options=opts)
    memo.clear_all()
    opts = opts.with_crs(parse_snapshot(refs[0], opts).crs)
    snaps = [parse_snapshot(r, opts) for r in refs]
    for a, b in itertools.pairwise(snaps):
        short = {c.status: c for c in diff_snapshots(a, b, unions=UNIONS)}
        rc = short["russian_control"]
        for kind in ("area_from_m2", "area_to_m2"):
            added = getattr(short["occupied"], kind) + getattr(short["occupied_pre2022"], kind)
            assert getattr(rc, kind) == added
    assert made == []
    for a, b in itertools.pairwise(snaps):  # now made: the same numbers, to float noise
        short = {c.status: c for c in diff_snapshots(a, b, unions=UNIONS)}
        plain = {c.status: c for c in diff_snapshots(a, b)}
        for kind in ("gained_m2", "lost_m2", "area_from_m2", "area_to_m2"):
            want = getattr(plain["russian_control"], kind)
            got = getattr(short["russian_control"], kind)
            assert got == pytest.approx(want, rel=1e-9, abs=1e-3), kind
    assert len(made) == len(snaps)
    union = snaps[0].geometries["russian_control"]
    members = shapely.union(
        snaps[0].geometries["occupied"], snaps[0].geometries["occupied_pre2022"]
    )
    assert shapely.symmetric_difference(union, members).area <= 1.0


def test_the_cache_keeps_a_union_pending(tmp_path, monkeypatch) -> None:
    """A snapshot stored with its union pending comes back with it pending, and made on
    reading it is the geometry the parse would have made (the same WKB). A raw snapshot is
    kept as its parts (geotools.parts): every class of it is pending, stored or not."""
    monkeypatch.setenv("GEOTOOLS_CACHE", str(tmp_path))
    opts = as_options(RAW)
    ref = resolve_refs(_raw_files(100, 101), options=opts)[0]
    memo.clear_all()
    first = load_snapshot(ref, options=opts)
    assert isinstance(first.geometries, Geometries)
    assert sorted(first.geometries.pending()) == sorted(first.geometries)
    assert "russian_control" in first.geometries.pending()
    again = load_snapshot(ref, options=opts)  # from the cache
    assert isinstance(again.geometries, Geometries)
    assert sorted(again.geometries.pending()) == sorted(again.geometries)
    assert sorted(again.geometries) == sorted(first.geometries)
    for name in first.geometries:
        assert shapely.to_wkb(again.geometries[name]) == shapely.to_wkb(first.geometries[name])


def test_a_raw_series_makes_the_union_for_no_day_it_measures(tmp_path, monkeypatch, made) -> None:
    """A series of eight raw days in one process (parse, cache, diff, regions, transitions,
    table): the union is made for no day; its rows are its members' rows added (the first
    stocks per region too)."""
    from geotools.regions import RegionSpec
    from geotools.series import series
    from tests.conftest import data_path

    monkeypatch.setenv("GEOTOOLS_CACHE", str(tmp_path))
    regions = RegionSpec(data_path("boundaries", "geoBoundaries-UKR-ADM1.geojson.gz"))
    memo.clear_all()
    result = series(
        _raw_files(300, 308),
        period="day",
        regions=regions,
        options=RAW,
        transitions=True,
        workers=1,
        show_progress=False,
    )
    assert made == []  # not for the CRS's choice, the first stocks, the diffs nor the cache
    table = result.table
    total = table[table.region == "total"].set_index(["to_date", "status"])
    rc = total.xs("russian_control", level="status")
    added = total.xs("occupied", level="status")[["area_to_km2", "gained_km2", "lost_km2"]]
    added += total.xs("occupied_pre2022", level="status")[["area_to_km2", "gained_km2", "lost_km2"]]
    assert (rc["area_to_km2"] - added["area_to_km2"]).abs().max() <= 1e-9
    assert len(rc) == 7 and (rc["gained_km2"] > 0).any()
    first = table[table.to_date == table.to_date.min()].set_index(["region", "status"])
    regional = first.xs("russian_control", level="status")["area_from_km2"]
    summed = first.xs("occupied", level="status")["area_from_km2"]
    summed = summed + first.xs("occupied_pre2022", level="status")["area_from_km2"]
    assert (regional - summed).abs().max() <= 1e-9 and (regional > 0).sum() >= 5
