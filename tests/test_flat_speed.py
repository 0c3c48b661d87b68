"""Issue 20 (flattened speed): the shortcuts taken for a cold run give what the long way gives.

The region layer's GeoJSON read without GDAL (the same geometries and values as GDAL's, GDAL
for anything else), the grid cells a region meets (the same tiles as clipping every cell),
the union stored with the layer in the cache (the same union, and entries without it read).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from geotools import cache
from geotools.read.gdal import read_gdal
from geotools.read.geojson import read_geojson_properties
from geotools.read.raw import read_raw
from geotools.regions import _UNION, TILE_SIZE_M, RegionSpec, _met_cells, read_regions
from tests.conftest import data_path, write_geojson
from tests.synthetic import LAEA, box


def _same_layer(a, b) -> None:
    assert a.fields == b.fields
    assert len(a.geometries) == len(b.geometries)
    assert [shapely.to_wkb(g) for g in a.geometries] == [shapely.to_wkb(g) for g in b.geometries]
    for name in a.fields:
        assert a.attributes[name].tolist() == b.attributes[name].tolist(), name
    assert (a.crs is None) == (b.crs is None)
    if a.crs is not None:
        assert a.crs.equals(b.crs)


@pytest.mark.parametrize(
    "name",
    [
        "geoBoundaries-UKR-ADM1.geojson.gz",
        "geoBoundaries-UKR-ADM1_simplified.geojson.gz",
        "ukr_adm1_landclipped_ne10m.geojson.gz",
        "ne10m_land_clip_21E-41E_43.5N-53N.geojson.gz",
    ],
)
def test_region_layers_read_without_gdal_as_gdal_reads_them(name):
    path = data_path("boundaries", name)
    fast = read_geojson_properties(cache_free_bytes(path))
    assert fast is not None  # these plain text-property layers take the fast way
    _same_layer(fast, read_gdal(path, None, None, missing_ok=False))
    _same_layer(read_raw(path, None, None), read_gdal(path, None, None, missing_ok=False))


def cache_free_bytes(path):
    from geotools.read.files import read_bytes

    data = read_bytes(path)
    assert data is not None
    return data


@pytest.mark.parametrize(
    "props",
    [
        [{"code": "A", "n": 1}, {"code": "B", "n": 2}],  # a number: GDAL types it
        [{"code": "A", "day": "2024-05-01"}, {"code": "B", "day": "2024-05-02"}],  # a date
        [{"code": "A", "deep": {"x": "y"}}, {"code": "B"}],  # an object
        [{"code": "A", "Code": "a"}, {"code": "B", "Code": "b"}],  # names GDAL may merge
    ],
)
def test_layers_gdal_would_type_are_left_to_gdal(tmp_path, props):
    path = write_geojson(tmp_path / "r.geojson", [box(0, 0, 1, 1), box(1, 0, 2, 1)], props)
    assert read_geojson_properties(path.read_bytes()) is None
    if not any(isinstance(v, dict) for p in props for v in p.values()):
        _same_layer(read_raw(path, None, None), read_gdal(path, None, None, missing_ok=False))


def test_feature_ids_are_left_to_gdal(tmp_path):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "A",
                "properties": {"code": "A"},
                "geometry": json.loads(shapely.to_geojson(box(0, 0, 1, 1))),
            }
        ],
    }
    path = tmp_path / "ids.geojson"
    path.write_text(json.dumps(doc))
    assert read_geojson_properties(path.read_bytes()) is None
    _same_layer(read_raw(path, None, None), read_gdal(path, None, None, missing_ok=False))


def test_text_properties_with_gaps_read_as_gdal_reads_them(tmp_path):
    props = [{"code": "A", "name": "Alpha"}, {"code": "B"}, {"name": None, "code": "C"}]
    geoms = [box(0, 0, 1, 1), shapely.MultiPolygon([box(1, 0, 2, 1), box(3, 0, 4, 1)])]
    path = write_geojson(tmp_path / "gaps.geojson", [*geoms, box(5, 5, 6, 6)], props)
    fast = read_geojson_properties(path.read_bytes())
    assert fast is not None and fast.fields == ["code", "name"]
    assert fast.attributes["name"].tolist() == ["Alpha", None, None]
    _same_layer(fast, read_gdal(path, None, None, missing_ok=False))


def test_met_cells_are_the_cells_that_clip_to_something(boundaries_full):
    layer = read_regions(boundaries_full, LAEA)
    size = TILE_SIZE_M / layer.m2_per_unit**0.5
    for geom in layer.geometries[:6]:
        x0, y0, x1, y1 = shapely.bounds(geom)
        cells = [
            (cx, cy)
            for cx in np.arange(np.floor(x0 / size) * size, x1, size)
            for cy in np.arange(np.floor(y0 / size) * size, y1, size)
        ]
        pieces = [shapely.clip_by_rect(geom, x, y, x + size, y + size) for x, y in cells]
        clipped = [c for c, piece in zip(cells, pieces, strict=True) if not piece.is_empty]
        met = _met_cells(geom, cells, size)
        assert met == clipped and 0 < len(met) < len(cells)
        assert not shapely.is_prepared(geom)  # the layer's geometry is left as it was


def test_cached_layer_keeps_its_union_and_old_entries_still_read(
    tmp_path, monkeypatch, boundaries_full
):
    monkeypatch.setenv("GEOTOOLS_CACHE", str(tmp_path / "cache"))
    spec = RegionSpec(boundaries_full)
    built = spec.build(LAEA)
    again = spec.build(LAEA)  # from the cache, the union with it
    assert shapely.to_wkb(again.union) == shapely.to_wkb(built.union)
    assert shapely.is_prepared(again.union)
    # an entry written before the union was stored: the union is computed, the same
    [entry] = (tmp_path / "cache" / "snapshots").rglob("*.snap")
    key = entry.stem
    found = cache.load_parsed(key)
    assert found is not None and _UNION in found[1]
    meta, blobs = found
    del blobs[_UNION]
    cache.store_parsed(key, meta, blobs)
    old = spec.build(LAEA)
    assert shapely.to_wkb(old.union) == shapely.to_wkb(built.union)
    assert old.allocate(built.geometries[3]) == built.allocate(built.geometries[3])


def test_a_repeated_map_is_projected_once_and_is_the_same(deepstate_daily):
    # Two days with the same map (a pair with no change) and the day after: the repeat gets
    # the first day's projected geometry itself, the next day a projection of its own, and
    # each equals the plain projection bit for bit.
    import geotools.read.repeats as repeats
    from geotools.crs import WGS84, project
    from geotools.read.geojson import read_geojson_fast

    files = sorted(deepstate_daily.glob("*.geojson.gz"))
    raws = [read_geojson_fast(cache_free_bytes(f)) for f in files[:40]]
    geoms = [r.geometries[0] for r in raws if r is not None]
    same = next(
        i for i in range(len(geoms) - 2) if shapely.to_wkb(geoms[i]) == shapely.to_wkb(geoms[i + 1])
    )
    a, b, c = geoms[same], geoms[same + 1], geoms[same + 2]
    assert a is not b and shapely.to_wkb(b) != shapely.to_wkb(c)
    pa = repeats.project_valid({"occupied": a}, WGS84, LAEA)
    pb = repeats.project_valid({"occupied": b}, WGS84, LAEA)
    pc = repeats.project_valid({"occupied": c}, WGS84, LAEA)
    assert pa is not None and pb is not None and pc is not None
    assert pb["occupied"] is pa["occupied"]  # the repeat: projected once
    assert pc["occupied"] is not pb["occupied"]
    for g, p in ((a, pa), (b, pb), (c, pc)):
        assert shapely.to_wkb(p["occupied"]) == shapely.to_wkb(project(g, WGS84, LAEA))
    # another status name, another CRS: nothing is taken from the previous call
    other = repeats.project_valid({"contested": c}, WGS84, LAEA)
    assert other is not None and other["contested"] is not pc["occupied"]


def test_a_repeat_differing_only_in_the_sign_of_a_zero_is_projected_again():
    import geotools.read.repeats as repeats
    from geotools.crs import WGS84

    plus = shapely.Polygon([(0.0, 50.0), (1.0, 50.0), (1.0, 51.0), (0.0, 50.0)])
    minus = shapely.Polygon([(-0.0, 50.0), (1.0, 50.0), (1.0, 51.0), (-0.0, 50.0)])
    assert shapely.equals_exact(plus, minus, tolerance=0.0)
    first = repeats.project_valid({"s": plus}, WGS84, LAEA)
    second = repeats.project_valid({"s": minus}, WGS84, LAEA)
    assert first is not None and second is not None and second["s"] is not first["s"]


def test_an_invalid_repeat_is_never_taken_for_valid():
    import geotools.read.repeats as repeats
    from geotools.crs import WGS84

    bowtie = shapely.Polygon([(30, 48), (31, 49), (31, 48), (30, 49), (30, 48)])
    assert repeats.project_valid({"s": bowtie}, WGS84, LAEA) is None
    assert repeats.project_valid({"s": bowtie}, WGS84, LAEA) is None  # not remembered
