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
