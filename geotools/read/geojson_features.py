"""A compact GeoJSON FeatureCollection read feature by feature, each feature's geometry and named
properties memoised by its exact bytes (issue 20).

Consecutive snapshots of a source repeat most of their features byte for byte: DeepState's raw
map of August 2024 repeats 445–463 of its 469 features from one day to the next, and 3–11 % of
its bytes are new. So a file in the compact layout its exporter writes (``{"type":
"FeatureCollection","features":[{"type":"Feature",…},…]}`` without spaces) is cut at each
``,{"type":"Feature",`` and only the features not seen before are parsed. The cut is safe:
inside a JSON string every ``"`` is escaped, so the separator only stands between values; one
standing inside a nested value would leave a piece that is not JSON, and then the whole-file
reader (read_geojson_columns) reads the file, as it does any other layout. The geometries and
values are those read_geojson_columns gives (the same builder, one feature at a time; tested
on every raw file against GDAL).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from geotools.crs import WGS84
from geotools.memo import Memo, register
from geotools.read.geojson_columns import _assemble, _Builder, _UnknownError
from geotools.read.layer import RawLayer

HEAD = b'{"type":"FeatureCollection","features":['
TAIL = b"]}"
FIRST = b'{"type":"Feature",'
SEP = b"," + FIRST


@dataclass(frozen=True)
class _Feature:
    geometry: shapely.Geometry
    values: tuple[str | None, ...]  # the named properties, in the caller's order
    fields: tuple[str, ...]  # every property the feature has, in its order
    dims: int  # how many numbers its positions have (2, 3; 0: none, an empty collection)


#: A feature by (the named properties, its bytes): two days of a raw DeepState file.
_FEATURES: Memo[_Feature] = register(Memo(2048))


def read_features(data: bytes, columns: Sequence[str]) -> RawLayer | None:
    """Geometries and the named string properties of a compact lon/lat FeatureCollection,
    feature by feature through the memo; None when the file is not in that layout or holds
    anything read_geojson_columns would not read (that reader, or GDAL, reads it then)."""
    body = data.strip()
    if not (body.startswith(HEAD) and body.endswith(TAIL)):
        return None
    inner = body[len(HEAD) : -len(TAIL)]
    if not inner.startswith(FIRST):
        return None
    names = tuple(columns)
    found: list[_Feature] = []
    for i, piece in enumerate(inner.split(SEP)):
        key = (names, piece)
        feature = _FEATURES.peek(key)
        if feature is None:
            feature = _parse(piece if i == 0 else FIRST + piece, names)
            if feature is None:
                return None
            _FEATURES.put(key, feature)
        found.append(feature)
    if len({f.dims for f in found} - {0}) > 1:
        return None  # 2-D and 3-D positions mixed: the whole-file reader leaves it to GDAL
    geoms = np.empty(len(found), dtype=object)
    geoms[:] = [f.geometry for f in found]
    attrs = {}
    for k, c in enumerate(names):
        attrs[c] = np.empty(len(found), dtype=object)
        attrs[c][:] = [f.values[k] for f in found]
    fields: dict[str, None] = {}
    for kinds in dict.fromkeys(f.fields for f in found):  # the few distinct lists, in order
        fields.update(dict.fromkeys(kinds))
    # as GDAL lists them: the asked-for properties the file has, in the file's order
    return RawLayer(geoms, attrs, WGS84, [f for f in fields if f in attrs])


def _parse(text: bytes, names: tuple[str, ...]) -> _Feature | None:
    """One feature, as read_geojson_columns reads it within a file; None for what that reader
    refuses (a null geometry, a property that is not a string, an unknown geometry)."""
    import orjson

    try:
        doc = orjson.loads(text)
        if not isinstance(doc, dict) or doc.get("type") != "Feature":
            return None
        geometry = doc["geometry"]
        if not isinstance(geometry, dict):
            return None
        builder = _Builder()
        node = builder.add(geometry)
        built = builder.build()
        geom = _assemble(node, built)
        props: dict[str, Any] = doc.get("properties") or {}
        values = tuple(props.get(c) for c in names)
        if any(v is not None and not isinstance(v, str) for v in values):
            return None
        # one per feature (the builder refuses a mix within one)
        dims = 0 if shapely.is_empty(geom) else int(shapely.get_coordinate_dimension(geom))
    except (_UnknownError, KeyError, TypeError, ValueError, AttributeError, IndexError):
        return None
    except Exception:  # any other surprise (e.g. GEOS refusing a ring): the other readers
        return None
    return _Feature(geom, values, tuple(props), dims)
