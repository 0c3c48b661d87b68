"""The offline base of every map (issue 18 point 9): land with no clip edge, region polygons
drawn on land only, and the national border as a line of its own (heavier than the borders
between regions).

The land is Natural Earth at three scales (shapes/land/ne_land_display.geojson.gz: 1:10m near
the front, 1:50m around it, 1:110m elsewhere), so the land is land wherever the map is moved
and no clip rectangle is drawn. It is for display only: areas are measured with the shipped
1:10m land mask (``regions.land_mask``), never with this.

Region layers such as geoBoundaries ADM1 reach 12 nautical miles into the sea; drawn as they
are, their sea edge reads as a second coastline. The map draws them clipped to the land it
shows (the same simplified polygon, so the two coasts coincide), and the national border (the
layer's outer edge on land, the coast left to the land outline) as a heavier line. Nothing
here measures: the numbers come from the Table.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS

from geotools.clean import polygonal
from geotools.crs import WGS84, project
from geotools.read import read_raw
from geotools.render.display import DECIMALS, geometry_json, lonlat

log = logging.getLogger(__name__)

#: The display land (see shapes/land/PROVENANCE.md).
DISPLAY_LAND = "ne_land_display.geojson.gz"
#: A border within this distance (m) of the coast is coast: the regions were clipped to it.
COAST_M = 50.0


def display_land(crs: CRS, tolerance_m: float, m2_per_unit: float = 1.0) -> shapely.Geometry:
    """The display land in ``crs``, simplified by ``tolerance_m`` (empty if unreadable)."""
    ref = resources.files("geotools.shapes").joinpath("land", DISPLAY_LAND)
    try:
        raw = read_raw(Path(str(ref)))
        geom = polygonal(shapely.union_all(shapely.make_valid(raw.geometries)))
        land = polygonal(shapely.make_valid(project(geom, raw.crs or WGS84, crs)))
    except Exception as exc:  # the base is a convenience; a map without it is still a map
        log.info("no land outline for the map: %s", exc)
        return shapely.MultiPolygon()
    tol = tolerance_m / m2_per_unit**0.5
    return polygonal(shapely.make_valid(shapely.simplify(land, tol, preserve_topology=True)))


def land_json(land: shapely.Geometry, crs: CRS) -> dict[str, Any] | None:
    """The land as the map's outline payload (one feature), or None when empty."""
    geom = geometry_json(lonlat(land, crs))
    if geom is None:
        return None
    feature = {"type": "Feature", "properties": {}, "geometry": geom}
    return {"type": "FeatureCollection", "features": [feature]}


def on_land(geoms: list[shapely.Geometry], land: shapely.Geometry) -> list[shapely.Geometry]:
    """Display polygons cut to ``land``; unchanged when they do not touch it (a synthetic
    layer, a base that could not be read) or when nothing of them would be left."""
    if shapely.is_empty(land) or not geoms:
        return list(geoms)
    arr = np.asarray(geoms, dtype=object)
    if not shapely.intersects(land, arr).any():
        return list(geoms)
    shapely.prepare(land)
    inside = shapely.contains_properly(land, arr)
    out = arr.copy()
    cut = ~inside & ~shapely.is_empty(arr)
    out[cut] = [polygonal(g) for g in shapely.intersection(arr[cut], land)]
    return [g if not shapely.is_empty(g) else o for g, o in zip(out, arr, strict=True)]


def national_border(
    polys: list[shapely.Geometry], land: shapely.Geometry, m2_per_unit: float = 1.0
) -> shapely.Geometry:
    """The national border of display polygons (a simplified coverage): their outer edge
    less the part on the coast of ``land`` (the land outline draws the coast). The borders
    between regions are the polygons' own outlines (lines of their own would double the
    size of the regions in the page)."""
    arr = np.asarray([g for g in polys if not shapely.is_empty(g)], dtype=object)
    if len(arr) == 0:
        return shapely.MultiLineString()
    national = _lines(shapely.boundary(shapely.union_all(arr)))
    if not shapely.is_empty(land):
        coast = shapely.buffer(shapely.boundary(land), COAST_M / m2_per_unit**0.5)
        national = _lines(shapely.difference(national, coast))
    return national


def _lines(geom: shapely.Geometry) -> shapely.Geometry:
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("LineString", "LinearRing")]
    for p in shapely.get_parts(geom):
        if p.geom_type == "MultiLineString":
            parts += list(shapely.get_parts(p))
    if not parts:
        return shapely.MultiLineString()
    return shapely.line_merge(shapely.multilinestrings(parts))


def lines_json(geom: shapely.Geometry) -> dict[str, Any] | None:
    """A lon/lat (Multi)LineString in the compact form the map script decodes, None if empty:
    ``{"type": "QL", "q": [line, ...]}``, each line as in ``display.geometry_json``'s rings."""
    if geom is None or shapely.is_empty(geom):
        return None
    scale = 10**DECIMALS
    out = []
    for line in shapely.get_parts(geom):
        if line.geom_type not in ("LineString", "LinearRing") or shapely.is_empty(line):
            continue
        ints = np.round(shapely.get_coordinates(line) * scale).astype(np.int64)
        ints[1:] = np.diff(ints, axis=0)
        out.append(ints.ravel().tolist())
    return {"type": "QL", "q": out} if out else None


def borders_json(
    polys: list[shapely.Geometry], land: shapely.Geometry, crs: CRS, m2_per_unit: float = 1.0
) -> dict[str, Any]:
    """The borders the map draws over the regions' outlines: {"national": lines} (lon/lat)."""
    return {"national": lines_json(lonlat(national_border(polys, land, m2_per_unit), crs))}
