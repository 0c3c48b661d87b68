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

import numpy as np
import shapely

from geotools.crs import WGS84
from geotools.memo import Memo, register
from geotools.read.geojson_columns import _assemble, _Builder, _UnknownError
from geotools.read.layer import RawLayer
from geotools.read.ragged import numbers_only

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
    pieces = inner.split(SEP)
    found: list[_Feature | None] = []
    missed: list[int] = []
    for i, piece in enumerate(pieces):
        feature = _FEATURES.peek((names, piece))
        if feature is None:
            missed.append(i)
            found.append(None)
        else:
            found.append(feature)
    if missed:  # the new features, parsed together (one builder: issue 20)
        texts = [FIRST + pieces[i] if i else pieces[i] for i in missed]
        parsed = _parse_many(texts, names)
        if parsed is None:
            return None
        for i, feature in zip(missed, parsed, strict=True):
            _FEATURES.put((names, pieces[i]), feature)
            found[i] = feature
    return _layer([f for f in found if f is not None], names)


def _layer(found: list[_Feature], names: tuple[str, ...]) -> RawLayer | None:
    """The layer of the features, or None for 2-D and 3-D positions mixed."""
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


def _parse_many(texts: list[bytes], names: tuple[str, ...]) -> list[_Feature] | None:
    """The features, as read_geojson_columns reads them within a file (one builder for all of
    them: a day's 20-odd new DeepState features paid its fixed costs each); None when that
    reader would refuse one (a null geometry, a property that is not a string, an unknown
    geometry, 2-D and 3-D positions mixed: the caller's file is then read whole)."""
    import gc

    import orjson

    enabled = gc.isenabled()
    gc.disable()  # many small lists, freed on return (as in read_geojson_columns)
    try:
        builder = _Builder()
        nodes, props_of = [], []
        for text in texts:
            doc = orjson.loads(text)
            if not isinstance(doc, dict) or doc.get("type") != "Feature":
                return None
            geometry = doc["geometry"]
            if not isinstance(geometry, dict):
                return None
            nodes.append(builder.add(geometry))
            props_of.append(doc.get("properties") or {})
        built = builder.build(all(numbers_only(text) for text in texts))
        out = []
        for node, props in zip(nodes, props_of, strict=True):
            geom = _assemble(node, built)
            values = tuple(props.get(c) for c in names)
            if any(v is not None and not isinstance(v, str) for v in values):
                return None
            dims = 0 if shapely.is_empty(geom) else int(shapely.get_coordinate_dimension(geom))
            out.append(_Feature(geom, values, tuple(props), dims))
    except (_UnknownError, KeyError, TypeError, ValueError, AttributeError, IndexError):
        return None
    except Exception:  # any other surprise (e.g. GEOS refusing a ring): the other readers
        return None
    finally:
        if enabled:
            gc.enable()
    return out
