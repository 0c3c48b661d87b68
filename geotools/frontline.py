"""The line of contact of a control snapshot, and its geodesic length (per region).

The **line of contact** is the part of the control boundary lying more than ``tolerance_km``
inside the country outline (the region layer's union clipped to land, or any outline): the
rest of the boundary is the international border or the coast, drawn slightly differently by
every source, so a tolerance absorbs the difference. Lengths are geodesic on the WGS84
ellipsoid (each straight segment of the equal-area CRS measured between its end points).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS, Geod

from geotools.clean import polygonal
from geotools.crs import WGS84, project, transformer
from geotools.errors import DataError, UsageError
from geotools.read import read_raw
from geotools.regions import OUTSIDE, RegionLayer
from geotools.snapshot import Snapshot

_GEOD = Geod(ellps="WGS84")
M_PER_KM = 1000.0
#: Default tolerance: the Natural Earth 10m coast and the sources' coasts differ by 1–3 km.
DEFAULT_TOLERANCE_KM = 3.0


def control_geometry(snap: Snapshot, statuses: Sequence[str] | None = None) -> shapely.Geometry:
    """The territory whose boundary is the front: the union of ``statuses`` (default: all)."""
    wanted = list(statuses) if statuses else snap.statuses
    missing = [s for s in wanted if s not in snap.geometries]
    if statuses and len(missing) == len(wanted):
        raise UsageError(
            f"{snap.source} has no status {', '.join(missing)} (it has "
            f"{', '.join(snap.statuses) or 'none'}); check --front-status"
        )
    geoms = [snap.geometries[s] for s in wanted if s in snap.geometries]
    if not geoms:
        return shapely.MultiPolygon()
    return geoms[0] if len(geoms) == 1 else polygonal(shapely.union_all(geoms))


def country_outline(layer: RegionLayer, land: shapely.Geometry | None = None) -> shapely.Geometry:
    """The outline of a region layer (its union), clipped to ``land`` when given.

    Region layers such as geoBoundaries ADM1 reach 12 nautical miles into the sea: without
    the land clip the coast would count as front.
    """
    if land is None:
        return layer.union
    return polygonal(shapely.intersection(layer.union, land))


def read_outline(path: str | Path, crs: CRS) -> shapely.Geometry:
    """A polygon file's union, in ``crs``, as an outline."""
    raw = read_raw(Path(path))
    geom = polygonal(shapely.union_all(shapely.make_valid(shapely.force_2d(raw.geometries))))
    if shapely.is_empty(geom):
        raise DataError("outline has no polygons; give a polygon file", path)
    return polygonal(shapely.make_valid(project(geom, raw.crs or WGS84, crs)))


def inner_zone(
    outline: shapely.Geometry, tolerance_km: float, m_per_unit: float = 1.0
) -> shapely.Geometry:
    """The part of ``outline`` farther than ``tolerance_km`` from its boundary (prepared).

    The outline is simplified by a tenth of the tolerance first: the border's finest detail
    is far below the tolerance and costs most of the erosion's time.
    """
    if tolerance_km < 0:
        raise UsageError(f"tolerance {tolerance_km} km is negative; give 0 or more")
    tol = tolerance_km * M_PER_KM / m_per_unit
    shape = outline if tol == 0 else shapely.simplify(outline, tol / 10, preserve_topology=True)
    zone = polygonal(shapely.buffer(shape, -tol, quad_segs=4)) if tol > 0 else shape
    shapely.prepare(zone)
    return zone


def line_of_contact(control: shapely.Geometry, zone: shapely.Geometry) -> shapely.Geometry:
    """The control boundary inside ``zone`` (see inner_zone), merged into lines."""
    if shapely.is_empty(control):
        return shapely.MultiLineString()
    boundary = shapely.boundary(control)
    if shapely.contains_properly(zone, boundary):
        line = boundary
    else:
        line = shapely.intersection(boundary, zone)
    parts = [p for p in shapely.get_parts(line) if p.geom_type in ("LineString", "LinearRing")]
    parts = [p for p in shapely.get_parts(shapely.line_merge(shapely.multilinestrings(parts)))]
    return shapely.multilinestrings(parts) if parts else shapely.MultiLineString()


def segments(line: shapely.Geometry) -> np.ndarray:
    """Every straight segment of a (Multi)LineString as rows (x0, y0, x1, y1)."""
    coords, idx = shapely.get_coordinates(shapely.get_parts(line), return_index=True)
    same = idx[1:] == idx[:-1]
    return np.hstack([coords[:-1][same], coords[1:][same]])


def geodesic_lengths_m(segs: np.ndarray, crs: CRS) -> np.ndarray:
    """Geodesic length (m, WGS84) of each segment (x0, y0, x1, y1) in ``crs``."""
    if len(segs) == 0:
        return np.zeros(0)
    tr = transformer(crs, WGS84)
    lon0, lat0 = tr.transform(segs[:, 0], segs[:, 1])
    lon1, lat1 = tr.transform(segs[:, 2], segs[:, 3])
    _, _, dist = _GEOD.inv(lon0, lat0, lon1, lat1)
    return np.asarray(dist, dtype=float)


def geodesic_length_m(line: shapely.Geometry, crs: CRS) -> float:
    """Geodesic length (m) of a line in ``crs``: its segments measured on the ellipsoid."""
    return float(geodesic_lengths_m(segments(line), crs).sum())


def _owners(points: np.ndarray, layer: RegionLayer | None) -> np.ndarray:
    """Index of the region holding each point (overlap rule: the first code), −1 outside."""
    out = np.full(len(points), -1, dtype=np.int64)
    if layer is None or len(points) == 0:
        return out
    _, owners, tree = layer.tiles()
    pt_idx, tile_idx = tree.query(points, predicate="intersects")
    if len(pt_idx):
        order = np.lexsort((owners[tile_idx], pt_idx))  # per point, lowest region first
        pt_sorted, own_sorted = pt_idx[order], owners[tile_idx][order]
        first = np.r_[True, pt_sorted[1:] != pt_sorted[:-1]]
        out[pt_sorted[first]] = own_sorted[first]
    return out


def _codes(layer: RegionLayer | None, owner_idx: np.ndarray) -> np.ndarray:
    if layer is None:
        return np.full(len(owner_idx), OUTSIDE, dtype=object)
    codes = np.asarray([*layer.codes, OUTSIDE], dtype=object)
    return codes[np.where(owner_idx < 0, len(layer.codes), owner_idx)]


@dataclass
class FrontLine:
    """The line of contact of one snapshot, with its geodesic length in total and by region."""

    date: dt.date
    crs: CRS
    line: shapely.Geometry
    length_m: float
    tolerance_km: float
    by_region_m: dict[str, float] = field(default_factory=dict)
    region_lines: dict[str, shapely.Geometry] = field(default_factory=dict)

    @property
    def length_km(self) -> float:
        """Geodesic length in km."""
        return self.length_m / M_PER_KM


def front_line(
    snap: Snapshot,
    zone: shapely.Geometry,
    tolerance_km: float,
    layer: RegionLayer | None = None,
    statuses: Sequence[str] | None = None,
) -> FrontLine:
    """The line of contact of ``snap`` (``zone`` from inner_zone with ``tolerance_km``).

    Each segment belongs to the region holding its midpoint (segments are short, so a region's
    length is exact to within one segment per crossing of a region border; the regions always
    add up to the total).
    """
    line = line_of_contact(control_geometry(snap, statuses), zone)
    segs = segments(line)
    lengths = geodesic_lengths_m(segs, snap.crs)
    by_region: dict[str, float] = {}
    region_lines: dict[str, shapely.Geometry] = {}
    if layer is not None and len(segs):
        mids = shapely.points((segs[:, :2] + segs[:, 2:]) / 2.0)
        codes = _codes(layer, _owners(mids, layer))
        for code in np.unique(codes):
            mask = codes == code
            by_region[str(code)] = float(lengths[mask].sum())
            pieces = shapely.linestrings(segs[mask].reshape(-1, 2, 2))
            region_lines[str(code)] = shapely.line_merge(shapely.multilinestrings(pieces))
    return FrontLine(
        date=snap.date,
        crs=snap.crs,
        line=line,
        length_m=float(lengths.sum()),
        tolerance_km=tolerance_km,
        by_region_m=by_region,
        region_lines=region_lines,
    )
