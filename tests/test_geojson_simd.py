"""The simdjson reader of plain GeoJSON polygons (geotools.read.geojson_simd, issue 20): the
orjson reader's geometries and property names, bit for bit, on every file it takes; anything
whose structure it cannot vouch for is left to the orjson reader."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely

from geotools.read.geojson import parse_polygons, parse_polygons_orjson
from geotools.read.geojson_simd import parse_polygons_simd


def _same(a: tuple[np.ndarray, list[str]], b: tuple[np.ndarray, list[str]]) -> bool:
    if a[1] != b[1] or len(a[0]) != len(b[0]):
        return False
    for x, y in zip(a[0], b[0], strict=True):
        cx, cy = shapely.get_coordinates(x), shapely.get_coordinates(y)
        if not shapely.equals_identical(x, y) or cx.shape != cy.shape:
            return False
        if not (cx.view(np.uint64) == cy.view(np.uint64)).all():  # -0.0 and 0.0 differ
            return False
    return True


def _collection(*geometries: Any, properties: Any = None) -> bytes:
    features = [
        {"type": "Feature", "properties": properties or {}, "geometry": g} for g in geometries
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


RING = [[30, 50], [31, 50], [31, 51], [30, 50]]
SHELL = [[30.0, 50.0], [32.5, 50.0], [32.5, 52.25], [30.0, 52.25], [30.0, 50.0]]
HOLE = [[30.5, 50.5], [31.0, 50.5], [31.0, 51.0], [30.5, 50.5]]


def test_every_flattened_day_is_taken_and_read_bit_for_bit(deepstate_daily: Path) -> None:
    files = sorted(deepstate_daily.glob("*.geojson.gz"))
    assert len(files) == 769
    for path in files:
        data = gzip.decompress(path.read_bytes())
        mine = parse_polygons_simd(data)
        assert mine is not None, path.name  # taken: the fast reader is the one that runs
        theirs = parse_polygons_orjson(data)
        assert theirs is not None and _same(mine, theirs), path.name


@pytest.mark.parametrize(
    "data",
    [
        _collection({"type": "Polygon", "coordinates": [SHELL, HOLE]}, properties={"a": 1}),
        _collection(
            {"type": "MultiPolygon", "coordinates": [[SHELL], [SHELL, HOLE]]},
            {"type": "Polygon", "coordinates": [RING]},
            properties={"name": "x", "tags": ["a", "b"], "n": None},
        ),
        _collection({"type": "Polygon", "coordinates": [RING]}, properties=None),
        _collection({"type": "Polygon", "coordinates": [[[-0.0, 0.0], [1, 0], [1, 1], [-0.0, 0]]]}),
        _collection(),
        b'\xef\xbb\xbf{"type": "FeatureCollection", "features": []}',  # a byte-order mark
    ],
    ids=["holes", "multi-and-properties", "null-properties", "negative-zero", "empty", "bom"],
)
def test_plain_documents_are_taken_and_equal_theparse_polygons_orjson(data: bytes) -> None:
    mine = parse_polygons_simd(data)
    assert mine is not None
    theirs = parse_polygons_orjson(data.removeprefix(b"\xef\xbb\xbf"))
    assert theirs is not None and _same(mine, theirs)


# a ring whose numbers, flattened, are a closed triangle, though its positions are not 2-D
COMPENSATED = [
    "[[30, 50], [31], [50, 31, 51], [30, 50]]",  # one number, then three
    "[[30, 50], 31, [[50, 31, 51]], [30, 50]]",  # a bare number, then a nested position
    "[[30, 50], [31, 50, 31], [51], [30, 50]]",  # three, then one
]


def _numbers(value: Any) -> list[Any]:
    """The numbers of nested lists, in order (what ``as_buffer`` flattens them to)."""
    if isinstance(value, list):
        return [n for item in value for n in _numbers(item)]
    return [value]


@pytest.mark.parametrize("ring", COMPENSATED)
def test_positions_that_are_not_two_numbers_are_not_taken(ring: str) -> None:
    data = (
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
        f'"geometry": {{"type": "Polygon", "coordinates": [{ring}]}}}}]}}'
    ).encode()
    assert _numbers(json.loads(ring)) == [30, 50, 31, 50, 31, 51, 30, 50]
    assert parse_polygons_simd(data) is None
    assert parse_polygons(data) is None  # and the orjson reader refuses it, as before


@pytest.mark.parametrize(
    "data",
    [
        # a key twice: simdjson would take the first geometry, orjson takes the last
        b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
        b'"geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}, '
        b'"geometry": {"type": "Polygon", "coordinates": [[[30, 50], [31, 50], [31, 51], '
        b"[30, 50]]]}}]}",
        # an escape in a string (the skeleton does not follow escapes)
        b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
        b'{"n\\u0061me": "\\"x\\""}, "geometry": {"type": "Polygon", "coordinates": '
        b"[[[30, 50], [31, 50], [31, 51], [30, 50]]]}}]}",
    ],
    ids=["key-twice", "escapes"],
)
def test_what_simdjson_reads_otherwise_goes_to_theparse_polygons_orjson(data: bytes) -> None:
    assert parse_polygons_simd(data) is None
    found, theirs = parse_polygons(data), parse_polygons_orjson(data)
    assert found is not None and theirs is not None and _same(found, theirs)
    if b"n\\u0061me" in data:
        assert found[1] == ["name"]
    else:
        assert shapely.equals(found[0][0], shapely.Polygon(RING))  # the last geometry


@pytest.mark.parametrize(
    "geometry",
    [
        '{"type": "Polygon", "coordinates": '
        "[[[30, 50, 1], [31, 50, 1], [31, 51, 1], [30, 50, 1]]]}",
        '{"type": "Point", "coordinates": [30, 50]}',
        "null",
        '{"type": "Polygon", "coordinates": [[[30, 50], [31, 50], [31, 51], [30, 52]]]}',
        '{"type": "Polygon", "coordinates": [[[30, 50], [31, "x"], [31, 51], [30, 50]]]}',
        '{"type": "Polygon", "coordinates": [[[30, 50], [31, 50], [31, 1e999], [30, 50]]]}',
        '{"type": "Polygon", "coordinates": []}',
        '{"type": "Polygon"}',
    ],
    ids=["3d", "point", "null", "open-ring", "text", "overflow", "no-ring", "no-coordinates"],
)
def test_anything_else_is_not_taken(geometry: str) -> None:
    data = (
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
        f'"geometry": {geometry}}}]}}'
    ).encode()
    assert parse_polygons_simd(data) is None


def test_a_big_document_does_not_keep_the_parser_s_buffers(monkeypatch: pytest.MonkeyPatch) -> None:
    import geotools.read.geojson_simd as module

    small = _collection({"type": "Polygon", "coordinates": [RING]})
    assert parse_polygons_simd(small) is not None
    assert module._LOCAL.parser is not None  # kept for the next file
    monkeypatch.setattr(module, "KEEP_PARSER_BYTES", len(small) - 1)
    assert parse_polygons_simd(small) is not None
    assert module._LOCAL.parser is None  # let go, with its buffers


@pytest.mark.parametrize("value", ["true", "false", '"51"', '"5e1"'])
def test_a_coordinate_that_is_not_a_number_is_read_by_neither_fast_reader(value: str) -> None:
    # numpy would read true as 1 and "51" as 51: a wrong area, silently (GEOS refuses them)
    ring = f"[[30, 50], [31, 50], [31, {value}], [30, 50]]"
    data = (
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
        f'"geometry": {{"type": "Polygon", "coordinates": [{ring}]}}}}]}}'
    ).encode()
    assert parse_polygons_simd(data) is None
    assert parse_polygons(data) is None
    with pytest.raises(shapely.errors.GEOSException):
        shapely.from_geojson(data)
    from geotools.read.geojson_columns import read_geojson_columns

    assert read_geojson_columns(data, ["name"]) is None  # the raw reader's builder too


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b'{"type": "Polygon", "coordinates": [[[30, 50.5], [31, -5e-1], [30, 50.5]]]}', True),
        (b'{"type":"Point","coordinates":[30,50,0]},"properties":{"name":"true"}', True),
        (b'{"type": "Polygon", "coordinates": [[[30, true], [31, 50]]]}', False),
        (b'{"type": "Polygon", "coordinates": [[[30, "51"], [31, 50]]]}', False),
        (b'{"type": "Polygon", "coordinates": [[[30, null], [31, 50]]]}', False),
        (b'{"type": "Polygon", "coordin\\u0061tes": [[[30, true]]]}', False),  # an escaped key
        (b'{"coordinates": [[[30, 50]]], "type": "Polygon"}', False),  # (a member after it)
    ],
)
def test_numbers_only_vouches_only_for_coordinates_that_are_numbers(
    text: bytes, expected: bool
) -> None:
    from geotools.read.ragged import numbers_only

    assert numbers_only(text) is expected
