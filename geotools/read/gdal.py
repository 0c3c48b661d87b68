"""Reading through GDAL (pyogrio): one layer of any vector file GDAL opens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError as PyprojCRSError

from geotools.errors import DataError
from geotools.read.esrijson import gdal_reading_options
from geotools.read.files import gdal_path, read_error
from geotools.read.layer import RawLayer


def read_gdal(
    path: Path, layer: str | None, columns: list[str] | None, missing_ok: bool
) -> RawLayer:
    """read_raw through GDAL (pyogrio); ``columns`` None reads every column."""
    from pyogrio.raw import read

    source = gdal_path(path)  # outside the try: a refused zip's DataError is worded
    # with missing_ok, pyogrio reads the wanted columns the file has and passes over the
    # others (no read_info first: it opened the file a second time)
    asked = columns if missing_ok and columns else None
    with gdal_reading_options(path):  # outside the try: its own DataError is already worded
        try:
            meta, _, wkb, values = read(source, layer=layer, columns=asked)
        except Exception as exc:
            raise read_error(path, exc) from exc
    fields = [str(f) for f in meta["fields"]]
    wanted: list[str] | None = columns
    if asked is not None:
        wanted = [c for c in asked if c in fields]
    if columns is None:
        columns = fields
    if missing_ok:
        n = len(wkb)
        raw_values = {c: values[fields.index(c)] for c in wanted or []}
        attrs = {
            c: np.asarray(raw_values[c], dtype=object) if c in raw_values else np.full(n, None)
            for c in columns
        }
        geoms = np.asarray(from_wkb(path, wkb), dtype=object)
        return RawLayer(geoms, attrs, meta_crs(path, meta), fields)
    missing = [c for c in columns if c not in fields]
    if missing:
        raise DataError(
            f"has no property {missing[0]!r} (properties: {', '.join(fields) or 'none'})", path
        )
    geoms = from_wkb(path, wkb)
    attrs = {c: np.asarray(values[fields.index(c)], dtype=object) for c in columns}
    return RawLayer(np.asarray(geoms, dtype=object), attrs, meta_crs(path, meta), fields)


def from_wkb(path: Path, wkb: Any) -> Any:
    """Geometries from GDAL's WKB; DataError naming the file when GEOS cannot read them."""
    try:
        return shapely.from_wkb(wkb)
    except Exception as exc:  # GDAL wrote something GEOS cannot read back
        raise DataError(
            f"has unreadable geometry ({exc}); repair it in a GIS and retry", path
        ) from exc


def meta_crs(path: Path, meta: dict[str, Any]) -> CRS | None:
    """The CRS GDAL reports for a layer, None when there is none."""
    if not meta.get("crs"):
        return None
    try:
        return CRS.from_user_input(meta["crs"])
    except PyprojCRSError as exc:
        raise DataError(f"declares an unknown CRS {meta['crs']!r}; fix or remove it", path) from exc


def gdal_fields(path: Path, layer: str | None = None) -> list[str]:
    """Property names of one GDAL layer (GDAL's own exception for the caller to word)."""
    from pyogrio import read_info

    return [str(f) for f in read_info(gdal_path(path), layer=layer)["fields"]]


def gdal_column(path: Path, layer: str | None, name: str) -> Any:
    """The values of one property of a GDAL layer, without geometry; DataError on failure."""
    from pyogrio.raw import read

    source = gdal_path(path)  # outside the try: a refused zip's DataError is worded
    try:
        _, _, _, values = read(
            source, layer=layer, columns=[name], read_geometry=False, datetime_as_string=True
        )
    except Exception as exc:
        raise read_error(path, exc) from exc
    return values[0]
