"""Changes along the international border or the coast (issue 18 point 5).

Every source draws the border and the coast a little differently, and a snapshot redrawn
along them shows thin "gains" and "losses" that no one fought for. The map tells them apart
with the front's own split (``geotools.frontline``): the line of contact is the control
boundary more than ``tolerance_km`` inside the country outline; the rest is the border or the
coast. A change polygon is a **border/coast change** when at least :data:`EDGE_SHARE` of its
area lies in the band within ``tolerance_km`` of the outline's edge, on either side (the
outline less its inner zone, plus the same width outside it). A real advance along the
border is deeper than the band, so most of it lies inside the zone; an incursion across the
border lies mostly beyond the band. The map draws border/coast changes hatched, and the
Table keeps counting them (the figures do not change; only the drawing does).

The outline is the region layer's union clipped to land, as in ``geotools front --by``;
without regions, the shipped outline of Ukraine when the data lies there (as ``front``).
"""

from __future__ import annotations

import logging

import shapely
from pyproj import CRS

from geotools.clean import polygonal
from geotools.crs import WGS84, project
from geotools.frontline import DEFAULT_TOLERANCE_KM, M_PER_KM, country_outline, inner_zone
from geotools.outlines import MIN_INSIDE, UKRAINE, share_inside
from geotools.read import read_raw
from geotools.regions import RegionLayer, land_mask
from geotools.render.data import MapData

log = logging.getLogger(__name__)

#: Share of a change polygon's area in the border/coast band that makes it a border change.
EDGE_SHARE = 0.9


class EdgeBand:
    """The band within ``tolerance_km`` of a country outline's edge (border and coast)."""

    def __init__(
        self,
        outline: shapely.Geometry,
        tolerance_km: float = DEFAULT_TOLERANCE_KM,
        m2_per_unit: float = 1.0,
    ) -> None:
        self.tolerance_km = tolerance_km
        m = m2_per_unit**0.5
        zone = inner_zone(outline, tolerance_km, m)
        tol = tolerance_km * M_PER_KM / m
        shape = shapely.simplify(outline, tol / 10, preserve_topology=True)
        self.band = polygonal(shapely.difference(shapely.buffer(shape, tol, quad_segs=4), zone))
        shapely.prepare(self.band)

    def on_edge(self, geom: shapely.Geometry) -> bool:
        """Whether ``geom`` (a change polygon) lies, by area, mostly in the band."""
        area = float(shapely.area(geom))
        if area <= 0 or not shapely.intersects(self.band, geom):
            return False
        if shapely.contains_properly(self.band, geom):
            return True
        inside = float(shapely.area(shapely.intersection(geom, self.band)))
        return inside >= EDGE_SHARE * area


def edge_band(
    regions: RegionLayer | None,
    crs: CRS,
    control: shapely.Geometry,
    m2_per_unit: float,
    tolerance_km: float = DEFAULT_TOLERANCE_KM,
) -> EdgeBand | None:
    """The band of a map: from the region layer (clipped to land), else from the shipped
    outline of Ukraine when ``control`` lies there; None when there is no outline."""
    try:
        land = land_mask(crs)
    except Exception as exc:  # no land mask: the outline as it is
        log.info("no land mask for the border band: %s", exc)
        land = None
    if regions is not None:
        outline = country_outline(regions, land)
    else:
        share = share_inside(control, crs, UKRAINE) if not shapely.is_empty(control) else None
        if share is None or share < MIN_INSIDE:
            return None
        raw = read_raw(UKRAINE.path)
        outline = polygonal(
            shapely.make_valid(project(shapely.union_all(raw.geometries), raw.crs or WGS84, crs))
        )
        if land is not None:
            outline = polygonal(shapely.intersection(outline, land))
    if shapely.is_empty(outline):
        return None
    return EdgeBand(outline, tolerance_km, m2_per_unit)


def map_edges(data: MapData) -> EdgeBand | None:
    """The border/coast band of a map's data (None without an outline, or if it fails)."""
    if not data.steps:
        return None
    snap = data.steps[0].snapshot
    control = shapely.union_all(list(snap.geometries.values())) if snap.geometries else None
    try:
        return edge_band(
            data.regions,
            data.crs,
            control if control is not None else shapely.Polygon(),
            snap.m2_per_unit,
        )
    except Exception as exc:  # the hatching is a reading aid; a map without it is a map
        log.warning("changes along the border and coast are not marked: %s", exc)
        return None
