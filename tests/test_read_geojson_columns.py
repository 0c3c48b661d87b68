"""The fast reader of GeoJSON with properties (geotools.read.geojson_columns) against GDAL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely

from geotools.read.files import read_bytes
from geotools.read.gdal import read_gdal
from geotools.read.geojson_columns import read_geojson_columns
from geotools.read.layer import RawLayer
from geotools.read.raw import read_raw

from .conftest import data_path

COLUMNS = ["name", "fill"]


def _same(gdal: RawLayer, fast: RawLayer | None, columns: list[str]) -> None:
    assert fast is not None
    assert len(fast.geometries) == len(gdal.geometries)
    # WKB for WKB: the same types, dimensions and doubles
    assert shapely.to_wkb(fast.geometries).tolist() == shapely.to_wkb(gdal.geometries).tolist()
    for c in columns:
        assert fast.attributes[c].tolist() == gdal.attributes[c].tolist(), c
    assert fast.fields == gdal.fields
    assert gdal.crs is not None and fast.crs is not None and fast.crs.equals(gdal.crs)


def _raw_files() -> list[Path]:
    samples = sorted(data_path("deepstate_raw", "samples").glob("*.geojson.gz"))
    daily = sorted(data_path("deepstate_raw", "daily").glob("*.geojson.gz"))
    return samples + daily[::40]  # every naming period (samples) and a spread of 2024


def test_raw_deepstate_files_read_as_gdal_reads_them() -> None:
    """Points, polygons and geometry collections with 3-D positions, names with no-break
    spaces and newlines, fills: the same as GDAL on raw files of 2022-2025 (all 356 were
    checked when the reader was written)."""
    for path in _raw_files():
        gdal = read_gdal(path, None, COLUMNS, True)
        _same(gdal, read_geojson_columns(read_bytes(path) or b"", COLUMNS), COLUMNS)
        # and read_raw takes this reader for a profile's columns
        via = read_raw(path, None, COLUMNS, missing_ok=True)
        assert shapely.to_wkb(via.geometries).tolist() == shapely.to_wkb(gdal.geometries).tolist()


def _collection(features: list[dict[str, Any]], **top: Any) -> bytes:
    return json.dumps({"type": "FeatureCollection", **top, "features": features}).encode()


def _feature(geometry: Any, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


SQUARE = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
HOLE = [[0.2, 0.2], [0.2, 0.4], [0.4, 0.4], [0.4, 0.2], [0.2, 0.2]]


def test_every_geometry_kind_it_takes_reads_as_gdal(tmp_path: Path) -> None:
    """2-D files with lines, multipolygons, holes, nested and empty collections, absent and
    missing properties."""
    shifted = [[x + 2, y] for x, y in SQUARE]
    features = [
        _feature({"type": "Point", "coordinates": [30.5, 50.25]}, name="a"),
        _feature({"type": "LineString", "coordinates": [[0, 0], [1, 1.5]]}, fill="#fff"),
        _feature({"type": "Polygon", "coordinates": [SQUARE, HOLE]}, name="b", fill=None),
        _feature({"type": "MultiPolygon", "coordinates": [[SQUARE], [shifted]]}, name="c"),
        _feature(
            {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "coordinates": [shifted]},
                    {
                        "type": "GeometryCollection",
                        "geometries": [{"type": "Point", "coordinates": [3, 3]}],
                    },
                ],
            },
            name="d",
        ),
        _feature({"type": "GeometryCollection", "geometries": []}, name="e"),
    ]
    path = tmp_path / "kinds.geojson"
    path.write_bytes(_collection(features))
    columns = ["name", "fill", "absent"]
    _same(
        read_gdal(path, None, columns, True),
        read_geojson_columns(path.read_bytes(), columns),
        columns,
    )


@pytest.mark.parametrize(
    "features, top",
    [
        ([_feature(None, name="a")], {}),  # a null geometry
        ([_feature({"type": "Polygon", "coordinates": [SQUARE]}, name=3)], {}),  # a number
        (
            [
                _feature({"type": "Polygon", "coordinates": [[[*p, 0.0] for p in SQUARE]]}),
                _feature({"type": "Point", "coordinates": [0.5, 0.5]}),
            ],
            {},
        ),  # 3-D beside 2-D
        ([_feature({"type": "Polygon", "coordinates": [SQUARE[:-1]]})], {}),  # an open ring
        ([_feature({"type": "MultiPoint", "coordinates": [[0, 0]]})], {}),  # a kind it skips
        (
            [_feature({"type": "Polygon", "coordinates": [SQUARE]})],
            {"crs": {"type": "name", "properties": {"name": "EPSG:3857"}}},
        ),  # a CRS member
    ],
)
def test_anything_else_is_left_to_gdal(features: list[dict[str, Any]], top: dict[str, Any]) -> None:
    assert read_geojson_columns(_collection(features, **top), COLUMNS) is None


def test_attributes_are_object_arrays_of_the_features_length() -> None:
    data = _collection([_feature({"type": "Polygon", "coordinates": [SQUARE]}, name="x")])
    layer = read_geojson_columns(data, COLUMNS)
    assert layer is not None
    assert layer.attributes["fill"].dtype == np.dtype(object)
    assert layer.attributes["fill"].tolist() == [None]
    assert layer.attributes["name"].tolist() == ["x"]
