"""Synthetic geometry shared by the tests: km boxes in an equal-area CRS, Snapshots and region
layers built in code (one module, not a copy per test file)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import shapely
from pyproj import CRS

from geotools.regions import RegionLayer, TilingReport
from geotools.snapshot import Snapshot

#: The equal-area CRS synthetic coordinates are in (metres), centred on eastern Ukraine.
LAEA = CRS.from_proj4("+proj=laea +lat_0=48 +lon_0=37 +datum=WGS84 +units=m")
#: The same projection centred at 35°E (the ISW and KML fixtures' CRS).
LAEA_35 = CRS.from_proj4("+proj=laea +lat_0=48 +lon_0=35 +datum=WGS84 +units=m +no_defs")
KM = 1000.0
#: The default day of a synthetic snapshot.
DAY = dt.date(2024, 1, 1)


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Geometry:
    """A rectangle given in km (in LAEA metres)."""
    return shapely.box(x0 * KM, y0 * KM, x1 * KM, y1 * KM)


def snap(
    geom: shapely.Geometry,
    day: dt.date | int = DAY,
    status: str = "occupied",
    crs: CRS = LAEA,
    source: str | None = None,
) -> Snapshot:
    """A one-class Snapshot; an int ``day`` is that day of January 2024."""
    date = dt.date(2024, 1, day) if isinstance(day, int) else day
    return Snapshot(
        date=date, source=source or f"synthetic {date}", crs=crs, geometries={status: geom}
    )


def layer_of(regions: dict[str, shapely.Geometry], crs: CRS = LAEA) -> RegionLayer:
    """A RegionLayer of code → geometry, named "Region <code>", in sorted code order."""
    codes = sorted(regions)
    return RegionLayer(
        codes=codes,
        names=[f"Region {c}" for c in codes],
        geometries=np.asarray([regions[c] for c in codes], dtype=object),
        crs=crs,
        source="synthetic",
        tiling=TilingReport(),
    )
