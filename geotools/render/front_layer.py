"""The line of contact on maps (issue 18 point 4): each step's line, as ``geotools front``
draws it, as a track of the timeline encoding, with its geodesic length in km.

The line is the one of geotools.frontline (the control boundary more than ``tolerance_km``
inside the country outline: the region layer's union, else the shipped outline of Ukraine for
data lying in Ukraine, clipped to land); its length is measured on the line at full
resolution; the drawn line is simplified for display only.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import shapely

from geotools.clean import polygonal
from geotools.frontline import (
    DEFAULT_TOLERANCE_KM,
    control_geometry,
    country_outline,
    front_line,
    inner_zone,
    read_outline,
)
from geotools.regions import land_mask
from geotools.render.data import MapData
from geotools.render.display import DECIMALS, lonlat
from geotools.render.encode import encode_track

log = logging.getLogger(__name__)


def _zone(data: MapData, statuses: list[str] | None, tolerance_km: float) -> Any:
    """The inner zone of the country outline, or None when the data has no known outline."""
    from geotools.outlines import MIN_INSIDE, UKRAINE, share_inside

    crs = data.crs
    if data.regions is not None:
        shape = country_outline(data.regions, land_mask(crs))
    else:
        snap = data.steps[-1].snapshot
        share = share_inside(control_geometry(snap, statuses), crs, UKRAINE)
        if share is None or share < MIN_INSIDE:
            log.info("no line of contact on the map: no regions and the data is not in Ukraine")
            return None
        shape = polygonal(shapely.intersection(read_outline(UKRAINE.path, crs), land_mask(crs)))
    m_per_unit = data.steps[0].snapshot.m2_per_unit ** 0.5
    zone = inner_zone(shape, tolerance_km, m_per_unit)
    return None if shapely.is_empty(zone) else zone


def _statuses(data: MapData) -> list[str] | None:
    snap = data.steps[-1].snapshot
    wanted = data.front_statuses
    if wanted and any(s in snap.geometries for s in wanted):
        return list(wanted)
    return None


def front_payload(
    data: MapData, display_tolerance_m: float, tolerance_km: float = DEFAULT_TOLERANCE_KM
) -> dict[str, Any] | None:
    """``{"track", "km", "tolerance_km"}``: per step the line of contact at the step's end
    (the snapshot drawn) and its geodesic length in km; None when there is no outline."""
    try:
        statuses = _statuses(data)
        zone = _zone(data, statuses, tolerance_km)
    except Exception as exc:  # the line is an extra layer: a map without it is still a map
        log.info("no line of contact on the map: %s", exc)
        return None
    if zone is None:
        return None
    m_per_unit = data.steps[0].snapshot.m2_per_unit ** 0.5
    scale = 10**DECIMALS
    streams: list[np.ndarray] = []
    structures: list[list[int]] = []
    km: list[float] = []
    done: dict[tuple[str, object], tuple[np.ndarray, list[int], float]] = {}
    for step in data.steps:
        snap = step.snapshot
        key = (str(snap.source), snap.date)  # gap days repeat a snapshot: one line for it
        if key not in done:
            fl = front_line(snap, zone, tolerance_km, None, statuses)
            simple = shapely.simplify(fl.line, display_tolerance_m / m_per_unit)
            drawn = lonlat(simple, snap.crs)
            chunks: list[np.ndarray] = [np.zeros((0, 2), dtype=np.int64)]
            lens: list[int] = []
            for part in shapely.get_parts(drawn):
                ints = np.round(shapely.get_coordinates(part) * scale).astype(np.int64)
                if len(ints) >= 2:
                    chunks.append(ints)
                    lens.append(len(ints))
            done[key] = (np.concatenate(chunks), lens, round(fl.length_km, 3))
        verts, lens, length = done[key]
        streams.append(verts)
        structures.append(lens)
        km.append(length)
    return {"track": encode_track(streams, structures), "km": km, "tolerance_km": tolerance_km}
