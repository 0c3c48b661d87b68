"""Projection of a plain snapshot's geometries, reusing the previous snapshot's when a file
repeats them exactly (issue 20: a daily archive often shows the same map two days running)."""

from __future__ import annotations

import threading

import numpy as np
import shapely
from pyproj import CRS

from geotools.crs import project, wkt


class _Last(threading.local):
    """The previous call's CRSs and, per status, its lon/lat and projected geometries (this
    thread's: a Dask worker's threads each keep their own)."""

    def __init__(self) -> None:
        self.key: tuple[str, str] | None = None
        self.geoms: dict[str, tuple[shapely.Geometry, shapely.Geometry]] = {}


_LAST = _Last()


def _same(a: shapely.Geometry, b: shapely.Geometry) -> bool:
    """Whether two geometries are one and the same: structure, order and every coordinate's
    bits (``equals_exact`` alone takes 0.0 and -0.0 for equal)."""
    if not shapely.equals_exact(a, b, tolerance=0.0):
        return False
    ca, cb = shapely.get_coordinates(a), shapely.get_coordinates(b)
    return ca.shape == cb.shape and bool((ca.view(np.uint64) == cb.view(np.uint64)).all())


def project_valid(
    geoms: dict[str, shapely.Geometry], src: CRS, dst: CRS
) -> dict[str, shapely.Geometry] | None:
    """Each geometry projected from ``src`` to ``dst``; None when one of them is not valid
    there. A geometry identical to the one of its status in the previous call (same CRSs,
    same thread) is that call's projected geometry, known valid: the same object, so the diff
    of the two days also finds it at once."""
    key = (wkt(src), wkt(dst))
    last = _LAST.geoms if _LAST.key == key else {}
    out: dict[str, shapely.Geometry] = {}
    fresh: list[shapely.Geometry] = []
    for name, geom in geoms.items():
        held = last.get(name)
        if held is not None and _same(held[0], geom):
            out[name] = held[1]
        else:
            out[name] = project(geom, src, dst)
            fresh.append(out[name])
    if fresh and not bool(shapely.is_valid(np.asarray(fresh, dtype=object)).all()):
        return None
    _LAST.key, _LAST.geoms = key, {name: (geoms[name], out[name]) for name in geoms}
    return out
