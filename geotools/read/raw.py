"""One entry to the format readers: a file's geometries and wanted properties (RawLayer),
whatever its format (GeoJSON fast path, KML/KMZ, Parquet, zip, GDAL)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from geotools.read.files import is_geojson, is_kml, is_parquet, is_zip, read_bytes
from geotools.read.gdal import gdal_fields, read_gdal
from geotools.read.geojson import (
    geojson_wrapper,
    read_feature_list,
    read_geojson_fast,
    read_geojson_properties,
)
from geotools.read.geojson_columns import read_geojson_columns
from geotools.read.geojson_features import read_features
from geotools.read.kml import read_kml
from geotools.read.layer import RawLayer
from geotools.read.parquet import read_parquet
from geotools.read.zipped import read_zip


def read_fields(path: Path, layer: str | None = None) -> list[str]:
    """Property names of a vector file (KML/KMZ through their safety checks, which raise
    DataError; other files raise GDAL's own exception for the caller to word)."""
    if is_kml(path) or (layer is None and is_zip(path)):
        return read_raw(path, layer).fields  # KML: checked first; a zip: every layer
    return gdal_fields(path, layer)


def read_raw(
    path: Path,
    layer: str | None = None,
    columns: Iterable[str] | None = (),
    missing_ok: bool = False,
) -> RawLayer:
    """Read geometries (+ the named columns; None: every column) of one vector file;
    DataError on failure.

    With ``missing_ok`` a column the file lacks is read as all None (profiles name properties
    that only some of a source's files carry)."""
    if columns is None:
        if is_kml(path) or is_parquet(path):
            columns = read_raw(path, layer).fields
        elif layer is None and is_zip(path):
            return read_zip(path, None, missing_ok=False)
        else:
            # --- issue 20 (flat-speed): a plain GeoJSON polygon layer without GDAL ---
            if layer is None and is_geojson(path):
                data = read_bytes(path)
                plain = read_geojson_properties(data) if data is not None else None
                if plain is not None and geojson_wrapper(path, data) is None:
                    return plain
            # --- end ---
            return read_gdal(path, layer, None, missing_ok=False)
    columns = list(columns)
    if is_parquet(path):
        return read_parquet(path, columns, missing_ok)
    if is_kml(path):
        return read_kml(path, layer, columns, missing_ok)
    if layer is None and is_zip(path):
        return read_zip(path, columns, missing_ok)
    if layer is None and is_geojson(path):
        data = read_bytes(path)
        doc = geojson_wrapper(path, data)
        if doc is not None:  # {"id", "datetime", "map": FeatureCollection}: GDAL cannot read it
            return read_feature_list(path, doc.get("features"), columns)
        if not columns and data is not None:
            fast = read_geojson_fast(data)
            if fast is not None:
                return fast
        elif missing_ok and data is not None:  # e.g. source detection of a flattened file
            fast = read_geojson_fast(data, absent=columns)
            if fast is not None:
                return fast
            # --- issue 20: a raw source file's named properties, without GDAL (feature by
            # feature when the file is in the compact layout: only new features are parsed) ---
            fast = read_features(data, columns) or read_geojson_columns(data, columns)
            if fast is not None:
                return fast
            # --- end ---
    return read_gdal(path, layer, columns, missing_ok)
