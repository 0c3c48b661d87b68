"""GeoParquet, read through geopandas (Arrow)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from geotools.errors import DataError
from geotools.read.layer import RawLayer


def read_parquet(path: Path, columns: list[str], missing_ok: bool = False) -> RawLayer:
    """Geometries and the named columns of a GeoParquet file; DataError on failure."""
    import geopandas as gpd

    try:
        frame = gpd.read_parquet(path)
    except Exception as exc:
        raise DataError(
            f"cannot read as GeoParquet ({str(exc).splitlines()[0][:160]}); check the file", path
        ) from exc
    missing = [c for c in columns if c not in frame.columns]
    if missing and not missing_ok:
        raise DataError(f"has no property {missing[0]!r}", path)
    return RawLayer(
        np.asarray(frame.geometry.values, dtype=object),
        {
            c: frame[c].to_numpy(dtype=object) if c in frame.columns else np.full(len(frame), None)
            for c in columns
        },
        frame.crs,
        [str(c) for c in frame.columns if c != frame.geometry.name],
    )
