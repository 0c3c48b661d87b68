"""Reading a GeoJSON with properties that may be missing (source detection's look at a file):
when no feature has them, the polygons' fast reader gives what GDAL gives (geometries bit for
bit, the properties all None, the same fields and CRS); when a feature has one, GDAL reads it."""

from __future__ import annotations

import gzip
import json

import shapely

from geotools.read.gdal import read_gdal
from geotools.read.geojson import read_geojson_fast
from geotools.read.raw import read_raw
from geotools.read.sniff import detection_properties, shipped_profiles

from .conftest import data_path

SQUARE = [[[30.0, 48.0], [30.5, 48.0], [30.5, 48.5], [30.0, 48.5], [30.0, 48.0]]]


def _same(a, b, columns):
    assert len(a.geometries) == len(b.geometries)
    assert [shapely.to_wkb(g) for g in a.geometries] == [shapely.to_wkb(g) for g in b.geometries]
    assert a.fields == b.fields
    assert a.crs.equals(b.crs)
    for c in columns:
        assert list(a.attributes[c]) == list(b.attributes[c]), c


def test_flattened_and_raw_files_read_as_gdal_reads_them():
    columns = detection_properties(shipped_profiles())
    flat = sorted(data_path("deepstate", "daily").glob("*.geojson.gz"))
    raw = sorted(data_path("deepstate_raw", "daily").glob("*.geojson.gz"))
    for path in [*flat[::60], *raw[::60]]:
        _same(
            read_raw(path, None, columns, missing_ok=True),
            read_gdal(path, None, columns, True),
            columns,
        )
    # the flattened files take the fast reader (their collection's name and crs are no property)
    data = gzip.decompress(flat[0].read_bytes())
    assert b'"name"' in data and read_geojson_fast(data, absent=columns) is not None
    assert read_geojson_fast(gzip.decompress(raw[0].read_bytes()), absent=columns) is None


def _collection(tmp_path, properties):
    doc = {
        "type": "FeatureCollection",
        "name": "fill",
        "features": [
            {
                "type": "Feature",
                "properties": p,
                "geometry": {"type": "Polygon", "coordinates": SQUARE},
            }
            for p in properties
        ],
    }
    path = tmp_path / "20240101.geojson"
    path.write_text(json.dumps(doc))
    return path


def test_a_property_some_feature_has_is_read(tmp_path):
    path = _collection(tmp_path, [{}, {"fill": "#ff0000", "other": 1}])
    got = read_raw(path, None, ["name", "fill"], missing_ok=True)
    assert list(got.attributes["fill"]) == [None, "#ff0000"]
    assert list(got.attributes["name"]) == [None, None]
    _same(got, read_gdal(path, None, ["name", "fill"], True), ["name", "fill"])


def test_properties_no_feature_has_are_none(tmp_path):
    path = _collection(tmp_path, [{}, {"other": 1}])
    data = path.read_bytes()
    assert read_geojson_fast(data, absent=["fill"]) is not None  # the fast reader
    got = read_raw(path, None, ["fill"], missing_ok=True)
    assert list(got.attributes["fill"]) == [None, None] and got.fields == []
    _same(got, read_gdal(path, None, ["fill"], True), ["fill"])
