"""Zipped shapefiles: one layer, or every polygon layer of a multi-layer zip."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np

from geotools.errors import DataError
from geotools.read.files import gdal_path, read_error
from geotools.read.gdal import read_gdal
from geotools.read.kml import LAYER_FIELD
from geotools.read.layer import RawLayer

log = logging.getLogger(__name__)

#: GDAL geometry types a zip's layers are read for (points and lines are labels, not areas).
AREA_TYPES = re.compile(r"polygon|surface|geometrycollection|unknown", re.IGNORECASE)


def read_zip(path: Path, columns: list[str] | None, missing_ok: bool) -> RawLayer:
    """A zip archive (zipped shapefiles): its only layer, named after itself rather than the
    zip (``RawLayer.layer``: profiles classify ISW's ``UkraineControlMapAO…`` by it), or, when
    it holds several (ISW's daily export: one shapefile per layer), every polygon layer, each
    feature's layer name in the ``layer`` attribute, as the folders of a KMZ."""
    from pyogrio import list_layers

    source = gdal_path(path)  # the archive checks, outside the try: their DataError is worded
    try:
        listed = [(str(n), None if t is None else str(t)) for n, t in list_layers(source)]
    except Exception as exc:
        raise read_error(path, exc) from exc
    if not listed:
        raise DataError(
            "zip archive holds no vector layer; check that it is a zipped shapefile", path
        )
    if len(listed) == 1:
        raw = read_gdal(path, listed[0][0], columns, missing_ok)
        raw.layer = listed[0][0]
        return raw
    names = [n for n, t in listed if t is not None and AREA_TYPES.search(t)]
    names = names or [n for n, t in listed if t is not None]  # lines only: let the caller judge
    skipped = [f"{n} ({t or 'no geometry'})" for n, t in listed if n not in names]
    if skipped:
        log.info("%s: not an area layer, skipped: %s", path, ", ".join(skipped))
    parts = [(n, read_gdal(path, n, columns, missing_ok=columns is not None)) for n in names]
    crs = parts[0][1].crs
    for name, part in parts[1:]:
        same = crs is None if part.crs is None else crs is not None and part.crs.equals(crs)
        if not same:
            raise DataError(
                f"layers {parts[0][0]!r} and {name!r} have different CRSs; pass --layer to "
                "read one at a time",
                path,
            )
    fields = [LAYER_FIELD]
    for _, part in parts:
        fields += [f for f in part.fields if f not in fields]
    wanted = fields if columns is None else columns
    missing = [c for c in wanted if c not in fields]
    if missing and not missing_ok:
        raise DataError(
            f"has no property {missing[0]!r} in any layer (properties: {', '.join(fields)})", path
        )
    attributes: dict[str, np.ndarray] = {}
    for column in wanted:
        values = []
        for name, part in parts:
            n = len(part.geometries)
            found = part.attributes.get(column)
            found = np.full(n, None, dtype=object) if found is None else found.astype(object)
            if column == LAYER_FIELD:  # the file's own `layer` values win; else the layer name
                blank = np.array([v is None or str(v).strip() == "" for v in found], dtype=bool)
                found[blank] = name
            values.append(found)
        attributes[column] = np.concatenate(values)
    geometries = np.concatenate([part.geometries for _, part in parts])
    m_dropped = sum(part.m_dropped for _, part in parts)
    return RawLayer(geometries, attributes, crs, fields, m_dropped)
