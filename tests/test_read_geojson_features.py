"""The feature-by-feature reader (geotools.read.geojson_features) against GDAL and against the
whole-file reader, and its way out to them: a file in another layout, a separator inside a
nested value, what the whole-file reader refuses."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import shapely

from geotools import memo
from geotools.read.files import read_bytes
from geotools.read.gdal import read_gdal
from geotools.read.geojson_columns import read_geojson_columns
from geotools.read.geojson_features import _FEATURES, read_features

from .conftest import data_path
from .test_read_geojson_columns import COLUMNS, _same

RAW = data_path("deepstate_raw", "daily")


def _compact(features: list[dict[str, Any]]) -> bytes:
    doc = {"type": "FeatureCollection", "features": features}
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def _square(x: float, **props: Any) -> dict[str, Any]:
    ring = [[x, 48.0, 0], [x + 0.1, 48.0, 0], [x + 0.1, 48.1, 0], [x, 48.1, 0], [x, 48.0, 0]]
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": props,
    }


def test_a_week_of_raw_files_as_gdal_reads_them() -> None:
    """Seven consecutive raw days (and two samples of other naming periods): WKB, values and
    fields as GDAL gives them, most features from the memo after the first day."""
    paths = sorted(RAW.glob("*.geojson.gz"))[200:207]
    paths += sorted(data_path("deepstate_raw", "samples").glob("*.geojson.gz"))[:2]
    memo.clear_all()
    for path in paths:
        _same(
            read_gdal(path, None, COLUMNS, True),
            read_features(read_bytes(path) or b"", COLUMNS),
            COLUMNS,
        )
    assert _FEATURES.hits > 5 * 440  # the six days after the first repeat most features


def test_the_same_as_the_whole_file_reader() -> None:
    """On a spread of 2024, with and without the memo: the whole-file reader's output."""
    for path in sorted(RAW.glob("*.geojson.gz"))[::50]:
        data = read_bytes(path) or b""
        whole = read_geojson_columns(data, COLUMNS)
        for _ in range(2):  # fresh, then from the memo
            _same(whole, read_features(data, COLUMNS), COLUMNS)


def test_other_layouts_go_to_the_whole_file_reader() -> None:
    """Spaces after the separators, a leading crs member, an empty collection: not this
    reader's (None), while the whole-file reader reads the spaced one."""
    features = [_square(37.0, name="a"), _square(37.2, name="b")]
    spaced = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    assert read_features(spaced, ["name"]) is None
    assert read_geojson_columns(spaced, ["name"]) is not None
    with_crs = _compact(features).replace(
        b'{"type":"FeatureCollection",', b'{"type":"FeatureCollection","crs":{},', 1
    )
    assert read_features(with_crs, ["name"]) is None
    assert read_features(_compact([]), ["name"]) is None


def test_a_separator_inside_a_nested_value_is_not_a_cut() -> None:
    """A property holding a nested Feature puts the separator inside a value: the pieces are
    not JSON, so the whole file goes to the other readers (never a wrong split)."""
    nested = _square(37.0, name="a")
    nested["properties"]["extra"] = [1, {"type": "Feature", "geometry": None}]
    data = _compact([nested, _square(37.2, name="b")])
    assert data.count(b',{"type":"Feature",') == 2
    memo.clear_all()
    assert read_features(data, ["name"]) is None


def test_what_the_whole_file_reader_refuses_is_refused() -> None:
    """A number where a string was asked for, a null geometry, 2-D and 3-D positions mixed
    across features: None (GDAL words or types them)."""
    assert read_features(_compact([_square(37.0, name=5)]), ["name"]) is None
    null = {"type": "Feature", "geometry": None, "properties": {"name": "x"}}
    assert read_features(_compact([_square(37.0, name="a"), null]), ["name"]) is None
    flat = _square(37.2, name="b")
    flat["geometry"]["coordinates"] = [[p[:2] for p in flat["geometry"]["coordinates"][0]]]
    assert read_features(_compact([_square(37.0, name="a"), flat]), ["name"]) is None


def test_properties_and_fields_follow_the_features() -> None:
    """Values per feature and the fields in order of first appearance, a missing property
    None; the same feature asked for other columns is parsed again (the key holds them)."""
    data = _compact([_square(37.0, fill="#fff"), _square(37.2, name="b", fill="#000")])
    memo.clear_all()
    layer = read_features(data, ["name", "fill"])
    assert layer is not None
    assert layer.attributes["name"].tolist() == [None, "b"]
    assert layer.attributes["fill"].tolist() == ["#fff", "#000"]
    assert layer.fields == ["fill", "name"]
    other = read_features(data, ["fill"])
    assert other is not None and other.fields == ["fill"]
    assert np.array_equal(shapely.to_wkb(other.geometries), shapely.to_wkb(layer.geometries))
    assert _FEATURES.hits == 0
