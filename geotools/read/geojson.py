"""GeoJSON: the fast path (orjson + numpy, GEOS's reader), DeepState's ``{"map": …}`` wrapper
and feature lists; anything unusual is left to GDAL."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError as PyprojCRSError

from geotools.crs import WGS84
from geotools.errors import DataError
from geotools.read.files import read_bytes
from geotools.read.geojson_simd import parse_polygons_simd
from geotools.read.layer import RawLayer
from geotools.read.ragged import RAGGED, numbers_of, numbers_only, polygon_of


def load_json(data: bytes) -> Any:
    """The parsed JSON document, or None when it is not JSON."""
    import json

    try:
        return json.loads(data)
    except (ValueError, RecursionError):  # nested too deeply: not a document to read
        return None


def geojson_wrapper(path: Path, data: bytes | None = None) -> dict[str, Any] | None:
    """The FeatureCollection inside a ``{"map": FeatureCollection, "datetime": …}`` wrapper
    (DeepState's /api/history/last), with the wrapper's ``datetime``; None otherwise.
    ``data`` is the file's (gunzipped) bytes when the caller has read them already."""
    if data is None:
        data = read_bytes(path)
    if data is None:
        return None
    head = data[:256]
    if b'"map"' not in head and b'"datetime"' not in head and b'"id"' not in head:
        return None
    doc = load_json(data)
    if not isinstance(doc, dict) or not isinstance(doc.get("map"), dict):
        return None
    inner: dict[str, Any] = doc["map"]
    if inner.get("type") != "FeatureCollection" or not isinstance(inner.get("features"), list):
        raise DataError(
            'has a "map" member that is not a FeatureCollection; re-download the snapshot', path
        )
    return dict(inner, datetime=doc.get("datetime"), id=doc.get("id"))


def read_feature_list(path: Path, features: Any, columns: list[str]) -> RawLayer:
    """Geometries and properties of a list of GeoJSON features (one GEOS parse for all)."""
    import json

    feats = [f for f in features if isinstance(f, dict)]
    empty = {"type": "GeometryCollection", "geometries": []}
    geoms_doc = {
        "type": "GeometryCollection",
        "geometries": [f.get("geometry") or empty for f in feats],
    }
    try:
        collection = shapely.from_geojson(json.dumps(geoms_doc))
    except Exception as exc:
        raise DataError(
            f"has unreadable geometry ({exc}); repair it in a GIS and retry", path
        ) from exc
    geoms = np.asarray(shapely.get_parts(collection), dtype=object)
    if len(geoms) != len(feats):  # GEOS flattened something: fall back to one parse each
        geoms = np.asarray(
            [shapely.from_geojson(json.dumps(f.get("geometry") or empty)) for f in feats],
            dtype=object,
        )
    attrs = {
        c: np.asarray([(f.get("properties") or {}).get(c) for f in feats], dtype=object)
        for c in columns
    }
    fields = sorted({k for f in feats for k in (f.get("properties") or {})})
    return RawLayer(geoms, attrs, WGS84, fields)


_WGS84_NAMES = (b"CRS84", b"EPSG::4326", b"EPSG:4326", b"crs84")


def polygons_from_json(data: bytes) -> np.ndarray | None:
    """The features' geometries of a FeatureCollection whose every feature is a 2-D Polygon or
    MultiPolygon, built from its coordinates with orjson and numpy (about twice as fast as
    GEOS's reader; the same doubles, bit for bit: tested on the whole archive); None for
    anything else (other types, 3-D, nulls, malformed), which ``shapely.from_geojson`` reads.
    """
    found = parse_polygons(data)
    return None if found is None else found[0]


def parse_polygons(data: bytes) -> tuple[np.ndarray, list[str]] | None:
    """polygons_from_json's geometries and the names of the features' properties (what
    source detection and the region-layer check look at); None as polygons_from_json.
    simdjson reads the file when it can vouch for it (issue 20: geojson_simd), else orjson."""
    fast = parse_polygons_simd(data)
    return fast if fast is not None else parse_polygons_orjson(data)


def parse_polygons_orjson(data: bytes) -> tuple[np.ndarray, list[str]] | None:
    """parse_polygons through orjson (what it was before simdjson; the reference the
    simdjson reader is tested against)."""
    import gc

    import orjson

    # the parse makes thousands of small lists, freed on return: the cyclic collector,
    # woken by them, would walk the whole heap for nothing (it doubled the time)
    enabled = gc.isenabled()
    gc.disable()
    try:
        features = orjson.loads(data)["features"]
        geoms = _ragged(features, numbers_only(data))
        if geoms is None:
            return None
        names: dict[str, None] = {}
        for feature in features:
            names.update(dict.fromkeys(feature.get("properties") or ()))
        return geoms, list(names)
    except Exception:  # any surprise: the reader that words errors takes over
        return None
    finally:
        if enabled:
            gc.enable()


def _ragged(features: list[Any], typed: bool = False) -> np.ndarray | None:
    """Geometries of GeoJSON features (2-D Polygon / MultiPolygon only, else None).
    ``typed``: the text holds only numbers in its coordinates (ragged.numbers_only)."""
    out = np.empty(len(features), dtype=object)
    for i, feature in enumerate(features):
        geometry = feature["geometry"]
        kind = RAGGED[geometry["type"]]
        polys = geometry["coordinates"]
        if kind == shapely.GeometryType.POLYGON:
            polys = [polys]
        rings = [ring for poly in polys for ring in poly]
        points = list(chain.from_iterable(rings))
        if set(map(len, points)) != {2}:
            return None  # 3-D or malformed positions: GEOS reads (or refuses) them
        numbers = numbers_of(points, typed)
        if numbers is None:
            return None  # true, "51" (GEOS refuses them)
        coords = np.fromiter(numbers, np.float64, 2 * len(points))
        lens = [len(r) for r in rings], [len(p) for p in polys]
        geom = polygon_of(kind, coords.reshape(-1, 2), *lens)
        if geom is None:
            return None
        out[i] = geom
    return out


def _plain_crs(data: bytes) -> CRS | None:
    """The CRS of a plain FeatureCollection the fast readers take (WGS84 unless a legacy
    ``crs`` member names another); None when GDAL should read the file (not a
    FeatureCollection, ESRI JSON, a null geometry, an unreadable ``crs``)."""
    head = data[:4096]
    if (
        b'"FeatureCollection"' not in head
        or b'"spatialReference"' in head  # ESRI JSON (ArcGIS REST): GDAL's ESRIJSON driver
        or b'"geometry": null' in data
        or b'"geometry":null' in data
    ):
        return None
    crs = WGS84
    at = data.rfind(b'"crs"')
    if at >= 0:  # the legacy CRS member, wherever it stands (GDAL only sees it up front)
        found = re.search(rb'"name"\s*:\s*"([^"]+)"', data[at : at + 300])
        if found is None:
            return None
        if not any(n in found.group(1) for n in _WGS84_NAMES):
            try:
                crs = CRS.from_user_input(found.group(1).decode())
            except (PyprojCRSError, UnicodeDecodeError):
                return None
            epsg = crs.to_epsg()
            crs = CRS.from_epsg(epsg) if epsg else crs
    return crs


def read_geojson_fast(data: bytes, absent: Sequence[str] = ()) -> RawLayer | None:
    """GEOS's own GeoJSON reader on a file's (gunzipped) bytes (about twice as fast as GDAL
    here).

    Only for plain lon/lat FeatureCollections when no property is needed; anything unusual
    (another CRS, unreadable bytes, null geometries) returns None and GDAL reads the file.
    ``absent``: properties asked for that may be missing (``read_raw``'s ``missing_ok``):
    the polygons' reader alone, and only when no feature has any of them; they are read as
    all None, as GDAL reads them (source detection of a flattened file, issue 20).
    """
    # --- properties asked for, none present (issue 20) ---
    if absent:  # a quick look first: the features perhaps have them (a raw file's name, fill;
        # looked for before the whole-file scans of _plain_crs: a raw file stops here)
        at = data.find(b'"features"')  # the collection's own name and crs come before
        if at < 0 or any(data.find(b'"' + c.encode() + b'"', at) >= 0 for c in absent):
            return None  # GDAL reads them
    crs = _plain_crs(data)
    if crs is None:
        return None
    plain = parse_polygons(data)
    if absent:
        if plain is None or set(absent) & set(plain[1]):
            return None
        none = {c: np.full(len(plain[0]), None) for c in absent}
        return RawLayer(plain[0], none, crs, [])
    # --- end ---
    if plain is not None:
        return RawLayer(plain[0], {}, crs, plain[1])
    m_dropped = 0
    try:
        collection = shapely.from_geojson(data)
    except Exception as exc:  # GEOS refused it
        if "more than three" not in str(exc):
            return None  # let GDAL read it and explain
        data, m_dropped = drop_m(data)
        try:
            collection = shapely.from_geojson(data)
        except Exception:
            return None
    geoms = (
        shapely.get_parts(collection)
        if collection.geom_type == "GeometryCollection"
        else [collection]
    )
    return RawLayer(np.asarray(geoms, dtype=object), {}, crs, [], m_dropped=m_dropped)


# --- issue 20 (flat-speed): every property of a plain polygon layer, without GDAL ---
#: Text GDAL's GeoJSON reader may type as a date, a time or a date-time (then it is not text).
_DATE_LIKE = re.compile(r"^\s*(\d{4}[-/]\d{1,2}[-/]\d{1,2}|\d{1,2}:\d{2})")


def read_geojson_properties(data: bytes) -> RawLayer | None:
    """Polygons and every property of a plain FeatureCollection (a region layer such as
    geoBoundaries'), as GDAL reads them: the same geometries (read_geojson_fast's) and the
    same text values, in the properties' order of first appearance. Only when every geometry
    is a 2-D Polygon or MultiPolygon, no feature has an ``id``, and every property value is
    text GDAL keeps as text (or null); None for anything else, which GDAL reads."""
    import gc

    import orjson

    crs = _plain_crs(data)  # the fast path's checks and CRS
    if crs is None:
        return None
    enabled = gc.isenabled()
    gc.disable()
    try:
        features = orjson.loads(data)["features"]
        geoms = _ragged(features, numbers_only(data))  # read_geojson_fast's polygons
        if geoms is None:
            return None
        fields: dict[str, None] = {}
        for feature in features:
            if "id" in feature:  # GDAL may make a field of it
                return None
            fields.update(dict.fromkeys(feature.get("properties") or ()))
        values: dict[str, list[Any]] = {f: [] for f in fields}
        for feature in features:
            props = feature.get("properties") or {}
            for name, column in values.items():
                value = props.get(name)
                if value is not None and (not isinstance(value, str) or _DATE_LIKE.match(value)):
                    return None  # GDAL's field typing decides what it becomes
                column.append(value)
    except Exception:  # any surprise: GDAL reads (and words) it
        return None
    finally:
        if enabled:
            gc.enable()
    if len({f.lower() for f in fields}) < len(fields):
        return None  # names GDAL may merge
    attrs = {}
    for name, column in values.items():
        attrs[name] = np.empty(len(column), dtype=object)
        attrs[name][:] = column
    return RawLayer(geoms, attrs, crs, list(fields))


# --- end ---


def drop_m(data: bytes) -> tuple[bytes, int]:
    """Cut 4-member positions (XYZM) to XYZ; returns the new text and how many features had M."""
    import json

    doc = json.loads(data)
    count = 0

    def trim(coords: Any) -> tuple[Any, bool]:
        if coords and isinstance(coords[0], (int, float)):
            return coords[:3], len(coords) > 3
        pieces = [trim(c) for c in coords]
        return [c for c, _ in pieces], any(flag for _, flag in pieces)

    for feature in doc.get("features", []):
        geom = feature.get("geometry") or {}
        if "coordinates" in geom:
            geom["coordinates"], had_m = trim(geom["coordinates"])
            count += int(had_m)
    return json.dumps(doc).encode(), count
