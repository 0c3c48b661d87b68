"""A plain GeoJSON FeatureCollection's (Multi)Polygons through simdjson (issue 20).

orjson makes a Python list of every position and a float of every number, which numpy then
reads one by one: 0.8 ms of a 78 KB flattened DeepState day. simdjson parses the file in C
and copies each geometry's numbers out as doubles in one call (``as_buffer``): 0.3 ms, the
same doubles bit for bit (both round every number correctly; tested on the whole archive).

``as_buffer`` flattens whatever nesting it finds, so the structure is checked apart, exactly:
the file's *skeleton* (its brackets, braces, commas and colons outside strings, which fix a
JSON document's structure) must be the one the parsed document has, with every position an
array of exactly two numbers. A position of one number and one of three, or a position
nested one level too deep, changes the skeleton even where the count of numbers stays right.

Anything else goes to the orjson reader (geojson.parse_polygons), which reads or refuses it
as before: a file with a backslash (an escape, which the skeleton does not follow inside
strings), an object with a key twice (simdjson keeps the first, orjson the last), a geometry
of another type, a number simdjson refuses, bytes that are not UTF-8, simdjson missing.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import shapely

from geotools.read.ragged import RAGGED, polygon_of

#: The bytes that make a JSON document's skeleton (with the quotes that mark strings off).
_SKELETON = b'[]{},:"'
_NOT_SKELETON = bytes(sorted(set(range(256)) - set(_SKELETON)))


class _Parser(threading.local):
    """One simdjson parser a thread (a parser is reused, and not shared between threads)."""

    parser: Any = None


_LOCAL = _Parser()

#: A thread keeps its parser (and the buffers it grew) after a document up to this size.
KEEP_PARSER_BYTES = 8 * 2**20


def parse_polygons_simd(data: bytes) -> tuple[np.ndarray, list[str]] | None:
    """The features' 2-D (Multi)Polygons and the names of their properties, as
    geojson.parse_polygons gives them; None when this reader does not take the file (see the
    module's docstring: the orjson reader then does)."""
    if b"\\" in data:
        return None
    try:
        import simdjson
    except ImportError:  # pragma: no cover - a core dependency
        return None
    parser = _LOCAL.parser or simdjson.Parser()
    try:
        found = _Reader(simdjson).read(parser.parse(data))
    except Exception:  # anything simdjson or the checks refuse: the orjson reader's
        return None
    finally:  # a parser holds buffers the size of the last document: a big one's are let go
        _LOCAL.parser = parser if len(data) <= KEEP_PARSER_BYTES else None
    if found is None:
        return None
    geoms, names, skeleton = found
    if data.translate(None, _NOT_SKELETON).split(b'"')[::2] != skeleton:
        return None
    return geoms, names


class _Reader:
    """One document's polygons, property names and expected skeleton (its pieces between
    strings: what ``data.translate(…).split(b'"')[::2]`` gives for the file)."""

    def __init__(self, simdjson: Any) -> None:
        self.Array, self.Object = simdjson.Array, simdjson.Object
        self.out: list[bytes] = [b""]  # the skeleton, a piece per stretch between strings

    def read(self, doc: Any) -> tuple[np.ndarray, list[str], list[bytes]] | None:
        """The geometries, the property names and the skeleton; None when not taken."""
        if not isinstance(doc, self.Object):
            return None
        features = doc["features"]
        if not isinstance(features, self.Array):
            return None
        geoms = np.empty(len(features), dtype=object)
        names: dict[str, None] = {}
        self._object(doc, {"features": lambda v: self._features(v, geoms, names)})
        if any(g is None for g in geoms):
            return None  # a feature without a geometry
        return geoms, list(names), self.out

    # --- the skeleton, written as the document is walked ---
    def _put(self, text: bytes) -> None:
        self.out[-1] += text

    def _string(self) -> None:
        self.out.append(b"")  # a string: its text lies between two quotes, left out

    def _value(self, value: Any) -> None:
        if isinstance(value, self.Object):
            self._object(value, {})
        elif isinstance(value, self.Array):
            self._put(b"[")
            for i, item in enumerate(value):
                if i:
                    self._put(b",")
                self._value(item)
            self._put(b"]")
        elif isinstance(value, str):
            self._string()
        # a number, true, false or null: no skeleton

    def _object(self, obj: Any, special: dict[str, Any]) -> None:
        keys = list(obj.keys())
        if len(set(keys)) != len(keys):
            raise _NotTakenError  # a key twice: orjson keeps the last, simdjson the first
        self._put(b"{")
        for i, key in enumerate(keys):
            if i:
                self._put(b",")
            self._string()
            self._put(b":")
            handler = special.get(key)
            if handler is not None:
                handler(obj[key])
            else:
                self._value(obj[key])
        self._put(b"}")

    def _features(self, features: Any, geoms: np.ndarray, names: dict[str, None]) -> None:
        if not isinstance(features, self.Array):
            raise _NotTakenError
        self._put(b"[")
        for i, feature in enumerate(features):
            if i:
                self._put(b",")
            if not isinstance(feature, self.Object):
                raise _NotTakenError

            def geometry(value: Any, i: int = i) -> None:
                geoms[i] = self._geometry(value)

            def properties(value: Any) -> None:
                if value is not None and not isinstance(value, self.Object):
                    raise _NotTakenError  # (orjson's reader takes the names of whatever)
                if value is not None:
                    names.update(dict.fromkeys(value.keys()))
                self._value(value)

            self._object(feature, {"geometry": geometry, "properties": properties})
        self._put(b"]")

    def _geometry(self, geometry: Any) -> shapely.Geometry:
        if not isinstance(geometry, self.Object):
            raise _NotTakenError
        kind = RAGGED[geometry["type"]]  # (a KeyError for another type: not taken)
        found: list[shapely.Geometry] = []
        self._object(geometry, {"coordinates": lambda v: found.append(self._coords(kind, v))})
        if len(found) != 1:
            raise _NotTakenError
        return found[0]

    def _coords(self, kind: shapely.GeometryType, coords: Any) -> shapely.Geometry:
        if not isinstance(coords, self.Array):
            raise _NotTakenError
        polys = [coords] if kind == shapely.GeometryType.POLYGON else list(coords)
        ring_lens: list[int] = []
        poly_lens: list[int] = []
        text = [b"["] if kind == shapely.GeometryType.MULTIPOLYGON else []
        for p, poly in enumerate(polys):
            if not isinstance(poly, self.Array):
                raise _NotTakenError
            rings = list(poly)
            poly_lens.append(len(rings))
            text.append(b",[" if p else b"[")
            for r, ring in enumerate(rings):
                if not isinstance(ring, self.Array):
                    raise _NotTakenError
                n = len(ring)
                ring_lens.append(n)
                text.append(b"," if r else b"")
                text.append(b"[" + b"[,]," * (n - 1) + b"[,]]" if n else b"[]")
            text.append(b"]")
        if kind == shapely.GeometryType.MULTIPOLYGON:
            text.append(b"]")
        points = sum(ring_lens)
        if points == 0:
            raise _NotTakenError  # no position at all (the orjson reader says None too)
        xy = np.frombuffer(coords.as_buffer(of_type="d"), dtype=np.float64)
        if len(xy) != 2 * points:
            raise _NotTakenError
        self._put(b"".join(text))
        geom = polygon_of(kind, xy.reshape(-1, 2), ring_lens, poly_lens)
        if geom is None:
            raise _NotTakenError
        return geom


class _NotTakenError(Exception):
    """The document is not one this reader takes (the orjson reader reads it)."""
