"""GeoJSON with properties, the fast way: raw source files (DeepState's map: points, polygons
and geometry collections, 3-D positions, a name and a fill colour per feature) read with
orjson and built with shapely's array constructors, as GDAL reads them (the same geometries,
WKB for WKB, and the same property values: tested on every raw file); anything this reader
does not know returns None and GDAL reads the file."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

import numpy as np
import shapely

from geotools.crs import WGS84
from geotools.read.layer import RawLayer
from geotools.read.ragged import numbers_of, numbers_only

_POINT, _LINE, _POLYGON, _MULTIPOLYGON, _COLLECTION = (
    "Point",
    "LineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
)


class _UnknownError(Exception):
    """Something GDAL should read (and word, when it is an error)."""


class _Builder:
    """Collects the positions of every point, line and polygon of a file, then builds them
    with one shapely call per kind; a feature is a tree of indices into those arrays."""

    def __init__(self) -> None:
        self.points: list[list[float]] = []
        self.lines: list[list[list[float]]] = []
        self.polygons: list[list[list[list[float]]]] = []

    def add(self, geometry: Any) -> tuple[str, Any]:
        kind = geometry["type"]
        coords = geometry.get("coordinates")
        if kind == _POINT:
            self.points.append(coords)
            return kind, len(self.points) - 1
        if kind == _LINE:
            self.lines.append(coords)
            return kind, len(self.lines) - 1
        if kind == _POLYGON:
            self.polygons.append(coords)
            return kind, len(self.polygons) - 1
        if kind == _MULTIPOLYGON:
            start = len(self.polygons)
            self.polygons.extend(coords)
            return kind, range(start, len(self.polygons))
        if kind == _COLLECTION:
            return kind, [self.add(member) for member in geometry["geometries"]]
        raise _UnknownError(kind)

    def build(self, typed: bool = False) -> dict[str, np.ndarray]:
        """The points, lines and polygons, in the order they were added; ``typed``: their
        text holds only numbers in its coordinates (ragged.numbers_only)."""
        rings = [ring for poly in self.polygons for ring in poly]
        # one array for every position: numpy refuses ragged ones (mixed 2-D and 3-D)
        positions = list(chain(self.points, *self.lines, *rings))
        coords = _positions(positions, typed)
        if coords.ndim != 2 or coords.shape[1] not in (2, 3):
            raise _UnknownError("mixed or 4-D positions")
        n_points = len(self.points)
        n_lines = sum(len(line) for line in self.lines)
        return {
            _POINT: shapely.points(coords[:n_points]),
            _LINE: self._lines(coords[n_points : n_points + n_lines]),
            _POLYGON: self._polygons(rings, coords[n_points + n_lines :]),
        }

    def _lines(self, coords: np.ndarray) -> np.ndarray:
        if not self.lines:
            return np.empty(0, dtype=object)
        offsets = _offsets(len(line) for line in self.lines)
        if (np.diff(offsets) < 2).any():
            raise _UnknownError("short line")
        kind = shapely.GeometryType.LINESTRING
        lines: np.ndarray = shapely.from_ragged_array(kind, coords, (offsets,))
        return lines

    def _polygons(self, rings: list[list[list[float]]], coords: np.ndarray) -> np.ndarray:
        if not self.polygons:
            return np.empty(0, dtype=object)
        if any(not poly for poly in self.polygons):
            raise _UnknownError("empty polygon")
        ring_offsets = _offsets(len(r) for r in rings)
        first, last = ring_offsets[:-1], ring_offsets[1:] - 1
        if (last - first < 3).any() or not (coords[first] == coords[last]).all():
            raise _UnknownError("open or short ring")  # GEOS refuses it (numpy would close it)
        poly_offsets = _offsets(len(p) for p in self.polygons)
        kind = shapely.GeometryType.POLYGON
        polygons: np.ndarray = shapely.from_ragged_array(kind, coords, (ring_offsets, poly_offsets))
        return polygons


def _positions(positions: list[list[float]], typed: bool = False) -> np.ndarray:
    """The positions as one float array: one pass of np.fromiter when they all have 2 or 3
    numbers (twice as fast as np.asarray on nested lists; issue 20), else np.asarray (which
    refuses a ragged mix, and the caller then refuses 4-D)."""
    if not positions:
        return np.empty((0, 2))
    numbers = numbers_of(positions, typed)
    if numbers is None:
        raise _UnknownError("a coordinate that is not a number")  # true, "51"
    sizes = set(map(len, positions))
    if len(sizes) == 1 and (dims := sizes.pop()) in (2, 3):
        flat = np.fromiter(numbers, dtype=np.float64, count=dims * len(positions))
        return flat.reshape(-1, dims)
    return np.asarray(positions, dtype=np.float64)


def _offsets(lengths: Any) -> np.ndarray:
    sizes = np.fromiter(lengths, dtype=np.int64)
    out = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=out[1:])
    return out


def _assemble(node: tuple[str, Any], built: dict[str, np.ndarray]) -> shapely.Geometry:
    kind, at = node
    if kind == _MULTIPOLYGON:
        return shapely.multipolygons(built[_POLYGON][at.start : at.stop])
    if kind == _COLLECTION:
        return shapely.geometrycollections([_assemble(m, built) for m in at])
    return built[kind][at]


def read_geojson_columns(data: bytes, columns: Sequence[str]) -> RawLayer | None:
    """Geometries and the named string properties of a plain lon/lat FeatureCollection
    (no ``crs`` member, no null geometry; Point, LineString, Polygon, MultiPolygon and
    collections of them; 2-D or 3-D positions throughout; every value of a named property a
    string or absent). A property no feature has is all None, as GDAL reads it with
    ``missing_ok``. None for anything else: GDAL reads it."""
    import gc

    import orjson

    head = data[:4096]
    if b'"FeatureCollection"' not in head or b'"spatialReference"' in head:
        return None
    # the parse makes many small lists, freed on return: the cyclic collector, woken by them,
    # would walk the whole heap for nothing (as in geojson.parse_polygons)
    enabled = gc.isenabled()
    gc.disable()
    try:
        doc = orjson.loads(data)
        if not isinstance(doc, dict) or "crs" in doc:
            return None
        features = doc["features"]
        builder = _Builder()
        nodes = []
        fields: dict[str, None] = {}
        values: dict[str, list[Any]] = {c: [] for c in columns}
        for feature in features:
            geometry = feature["geometry"]
            if not isinstance(geometry, dict):
                return None  # null geometry: GDAL's reading of it stands
            nodes.append(builder.add(geometry))
            props = feature.get("properties") or {}
            fields.update(dict.fromkeys(props))
            for c in columns:
                value = props.get(c)
                if value is not None and not isinstance(value, str):
                    return None  # GDAL's field typing decides what a number becomes
                values[c].append(value)
        built = builder.build(numbers_only(data))
        geoms = np.empty(len(nodes), dtype=object)
        geoms[:] = [_assemble(node, built) for node in nodes]
    except (_UnknownError, KeyError, TypeError, ValueError, AttributeError, IndexError):
        return None
    except Exception:  # any other surprise (e.g. GEOS refusing a ring): GDAL words it
        return None
    finally:
        if enabled:
            gc.enable()
    attrs = {}
    for c in columns:
        attrs[c] = np.empty(len(nodes), dtype=object)
        attrs[c][:] = values[c]
    # GDAL lists the asked-for properties the file has, in the file's order
    return RawLayer(geoms, attrs, WGS84, [f for f in fields if f in values])
