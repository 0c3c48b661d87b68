"""A GeoJSON feature's 2-D (Multi)Polygon from its coordinates and the lengths of its rings
and polygons: the builder the fast GeoJSON readers share (geojson, geojson_simd)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import chain
from typing import Any

import numpy as np
import shapely

#: The types a JSON number is parsed to: a coordinate of any other (``true``, ``"51"``, which
#: numpy would take for 1 and 51) is not read by the fast readers.
_NUMBERS = {int, float}

#: What marks a value in JSON text that is not a number or an array (a string, true, false,
#: null, an object); in orjson-checked JSON, text without these holds only numbers in arrays.
_NOT_NUMBERS = (b'"', b"t", b"f", b"n", b"{")


def numbers_only(text: bytes) -> bool:
    """True when every ``coordinates`` member of a GeoJSON text (valid JSON) holds only
    numbers in arrays, written so (no string, ``true``, ``false``, ``null`` or object in
    them): its parsed positions need no check of their types. False when that cannot be told
    so cheaply (an escape that may spell a key, a member after the coordinates, anything
    else): the caller checks each number's type then. A ``"coordinates"`` found inside a
    string only makes it stricter."""
    if b"\\u" in text:  # a key may be spelt with escapes: not found below
        return False
    at = text.find(b'"coordinates"')
    while at >= 0:
        start = text.find(b":", at) + 1
        end = text.find(b"}", start)  # an array of numbers holds no brace
        if start <= 0 or end < 0 or any(text.find(c, start, end) >= 0 for c in _NOT_NUMBERS):
            return False
        at = text.find(b'"coordinates"', end)
    return True


def numbers_of(positions: Sequence[Sequence[Any]], typed: bool) -> Iterator[Any] | None:
    """The numbers of parsed positions, in order, for numpy; None when one is not a JSON
    number (``true``, ``"51"``: numpy would read 1 and 51, GEOS refuses them). ``typed``:
    the text showed only numbers there (numbers_only), so the types are not checked again."""
    numbers = chain.from_iterable(positions)
    if typed:
        return numbers
    held = list(numbers)
    return iter(held) if set(map(type, held)) <= _NUMBERS else None


#: The geometry types the fast readers build, by their GeoJSON names.
RAGGED = {
    "Polygon": shapely.GeometryType.POLYGON,
    "MultiPolygon": shapely.GeometryType.MULTIPOLYGON,
}


def polygon_of(
    kind: shapely.GeometryType, coords: np.ndarray, ring_lens: list[int], poly_lens: list[int]
) -> shapely.Geometry | None:
    """The Polygon (``poly_lens`` [1]) or MultiPolygon of ``coords`` (n × 2, every ring's
    positions in order); None for an open ring or one of fewer than four positions, which
    GEOS refuses (numpy would close it)."""
    ring_offsets = np.zeros(len(ring_lens) + 1, dtype=np.int64)
    np.cumsum(ring_lens, out=ring_offsets[1:])
    first, last = ring_offsets[:-1], ring_offsets[1:] - 1
    if (last - first < 3).any() or not (coords[first] == coords[last]).all():
        return None
    poly_offsets = np.zeros(len(poly_lens) + 1, dtype=np.int64)
    np.cumsum(poly_lens, out=poly_offsets[1:])
    offsets: tuple[np.ndarray, ...] = (ring_offsets, poly_offsets)
    if kind == shapely.GeometryType.MULTIPOLYGON:
        offsets += (np.asarray([0, len(poly_lens)], dtype=np.int64),)
    found: shapely.Geometry = shapely.from_ragged_array(kind, coords, offsets)[0]
    return found
