"""Coordinate checks: NaN, lon/lat declared as projected, beyond the Earth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS

from geotools.errors import DataError


def check_coordinates(path: Path, geoms: np.ndarray, crs: CRS) -> None:
    """DataError naming the file when its coordinates cannot be what its CRS says."""
    present = geoms[~shapely.is_missing(geoms)]
    if len(present) == 0:
        return
    coords = shapely.get_coordinates(present)
    if len(coords) == 0:
        return
    # --- issue 20 (flat-speed): a column at a time (numpy's reduction along the first axis
    # of an n×2 array took 75 µs, a column's 2 µs); a NaN or an infinity anywhere shows in
    # the least or the greatest value (NaN propagates), so they are all that is checked ---
    xs, ys = coords[:, 0], coords[:, 1]
    minx, miny, maxx, maxy = xs.min(), ys.min(), xs.max(), ys.max()
    if not np.isfinite([minx, miny, maxx, maxy]).all():
        raise DataError("has NaN or infinite coordinates; repair or re-export the file", path)
    # --- end ---
    if crs.is_projected and max(abs(minx), abs(miny), abs(maxx), abs(maxy)) <= 180:
        raise DataError(
            f"coordinates ({minx:.6g}, {miny:.6g}) … ({maxx:.6g}, {maxy:.6g}) look like lon/lat "
            f"degrees, but the file declares the projected CRS {crs.name!r}; declare the right "
            "CRS (e.g. ogr2ogr -a_srs EPSG:4326) and retry",
            path,
        )
    if crs.is_projected and max(abs(minx), abs(miny), abs(maxx), abs(maxy)) > 4e7:
        raise DataError(
            f"coordinates up to {max(abs(minx), abs(miny), abs(maxx), abs(maxy)):.3g} are "
            f"beyond the Earth in the CRS {crs.name!r}; the CRS or the coordinates are wrong: "
            "re-export the file with its real CRS",
            path,
        )
    if crs.is_geographic and (min(minx, miny) < -180 or maxx > 180 or maxy > 90 or miny < -90):
        raise DataError(
            f"coordinates ({minx:.6g}, {miny:.6g}) … ({maxx:.6g}, {maxy:.6g}) are not lon/lat, "
            f"but the file's CRS is {crs.name!r}: the data is probably projected with no or a "
            "wrong CRS; declare the right CRS (e.g. ogr2ogr -a_srs) and retry",
            path,
        )
