"""Display geometry: simplified for the map only, neighbours keeping their shared borders.

Nothing here measures anything: every number a map shows comes from the Table (or, for one
polygon part, from that part before simplification).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from pyproj import CRS

from geotools.clean import polygonal
from geotools.crs import WGS84, project

log = logging.getLogger(__name__)

#: Decimal places of lon/lat in the HTML (5 ≈ 1 m, far below any simplification tolerance).
DECIMALS = 5


def simplify_coverage(
    geoms: Sequence[shapely.Geometry], tolerance_m: float, m2_per_unit: float = 1.0
) -> list[shapely.Geometry]:
    """Simplify display polygons together so that every border two of them share is simplified
    once and stays shared.

    A clean coverage (no overlaps, shared borders vertex for vertex) goes straight to
    ``shapely.coverage_simplify``. Anything else (what one status class lost and another
    gained, region layers whose borders do not match vertex for vertex) is first cut into the
    faces of its arrangement, which always tile cleanly; the faces are simplified as one
    coverage and each polygon is put back together from its own faces. Only if that fails is
    each polygon simplified on its own (with a warning: hairline gaps can open between
    neighbours, though no border moves by more than the tolerance).
    """
    arr = np.asarray(list(geoms), dtype=object)
    if len(arr) == 0 or tolerance_m <= 0:
        return list(arr)
    tol = tolerance_m / m2_per_unit**0.5
    nonempty = ~shapely.is_empty(arr)
    out = arr.copy()
    if not nonempty.any():
        return list(out)
    part = arr[nonempty]
    if bool(shapely.coverage_is_valid(part)):
        log.debug("simplifying %d display polygons as one coverage", len(part))
        simplified = shapely.coverage_simplify(part, tol)
    else:
        try:
            simplified = _simplify_arrangement(part, tol)
            log.debug("simplifying %d display polygons through their arrangement", len(part))
        except shapely.errors.GEOSException as exc:
            log.warning(
                "display polygons could not be simplified as one coverage (%s); simplifying "
                "each on its own, so neighbours may show hairline gaps",
                exc,
            )
            simplified = shapely.simplify(part, tol, preserve_topology=True)
    out[nonempty] = simplified
    return list(out)


def _simplify_arrangement(polys: np.ndarray, tol: float) -> np.ndarray:
    """``polys`` simplified through the faces their edges cut the plane into (see above)."""
    lines = shapely.union_all(shapely.boundary(polys))  # noded: every crossing is a vertex
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    if len(faces) == 0:
        raise shapely.errors.GEOSException("no faces in the arrangement")
    # a face lies inside a polygon or outside it: one interior point tells which
    inside, owner = shapely.STRtree(polys).query(
        shapely.point_on_surface(faces), predicate="within"
    )
    simple = shapely.coverage_simplify(faces, tol)
    members: dict[int, list[int]] = {}
    for f, p in zip(inside.tolist(), owner.tolist(), strict=True):
        members.setdefault(p, []).append(f)
    out = np.empty(len(polys), dtype=object)
    for i, poly in enumerate(polys):
        if i in members:
            out[i] = polygonal(_union(simple[members[i]]))
        else:  # a sliver thinner than the noding: nothing to share a border with
            out[i] = shapely.simplify(poly, tol, preserve_topology=True)
    return out


def _union(faces: np.ndarray) -> shapely.Geometry:
    # a face narrower than the float grid can come out of simplification invalid (inverted)
    try:
        return shapely.union_all(faces)
    except shapely.errors.GEOSException:
        return shapely.union_all(shapely.make_valid(faces))


def lonlat(geom: shapely.Geometry, crs: CRS) -> shapely.Geometry:
    """``geom`` in WGS84 lon/lat, coordinates rounded for the HTML.

    Rounding is applied to every vertex alike, so vertices two polygons share stay shared.
    """
    out = project(geom, crs, WGS84)
    return shapely.transform(out, lambda xy: np.round(xy, DECIMALS))


def geometry_json(geom: shapely.Geometry) -> dict[str, Any] | None:
    """A lon/lat polygon geometry in the compact form the map script decodes (None if empty).

    ``{"type": "Q", "q": [[ring, ...], ...]}``: one list of rings per polygon (exterior
    first), each ring its coordinates in units of 1e-5 degree as integers, every pair after
    the first relative to the one before. Two to three times smaller than GeoJSON text.
    """
    if geom is None or shapely.is_empty(geom):
        return None
    scale = 10**DECIMALS
    polygons = []
    for poly in shapely.get_parts(polygonal(geom)):
        rings = []
        for ring in (poly.exterior, *poly.interiors):
            ints = np.round(shapely.get_coordinates(ring) * scale).astype(np.int64)
            ints[1:] = np.diff(ints, axis=0)
            rings.append(ints.ravel().tolist())
        polygons.append(rings)
    if not polygons:
        return None
    return {"type": "Q", "q": polygons}


def geojson(geom: shapely.Geometry) -> dict[str, Any] | None:
    """Plain GeoJSON geometry object (None for an empty geometry)."""
    if geom is None or shapely.is_empty(geom):
        return None
    value: dict[str, Any] = json.loads(shapely.to_geojson(geom))
    return value


def parts(geom: shapely.Geometry | None) -> list[shapely.Geometry]:
    """Polygon parts of a geometry (none for None or empty)."""
    if geom is None or shapely.is_empty(geom):
        return []
    return [p for p in shapely.get_parts(polygonal(geom)) if not shapely.is_empty(p)]


def union_parts(geoms: Sequence[shapely.Geometry]) -> shapely.Geometry:
    """Union of display polygons: the fast coverage union when they share borders exactly
    (a simplified clean coverage), the general union otherwise."""
    if not geoms:
        return shapely.MultiPolygon()
    arr = np.asarray(list(geoms), dtype=object)
    arr = arr[~shapely.is_empty(arr)]
    if len(arr) == 0:
        return shapely.MultiPolygon()
    if bool(shapely.coverage_is_valid(arr)):
        try:
            return polygonal(shapely.coverage_union_all(arr))
        except shapely.errors.GEOSException:  # near-degenerate slivers fail its area check
            pass
    return polygonal(_union(arr))
