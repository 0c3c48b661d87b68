"""How far gained territory pushes the front: advance depth along the advancing line, and
the area-based depth over the width of the old line it was taken across.

The **advance depth** of a period is measured on the *advancing line*: the part of the new
line of contact that bounds territory gained in the period. It is sampled at points spaced at
most ``step_km`` apart (plus its vertices, for the maximum); each point's geodesic distance to
the previous line of contact is its depth, except on gained parts that do not touch the
previous line but reach the border (a foothold taken from across it): those are measured
from the outline's boundary, where the advance started. Per region (the region holding the
point) the mean is length-weighted and the max is the largest sampled depth (exact to within
``step_km / 2``).

The mean over the new line counts its flanks too (a free 10 km square moving 1 km east has a
mean of 11/12 km: its new north and south edges lie 0–1 km from the old line). The
**area-based depth** is the analyst's "taken on a W km front, D km deep": the **width** is the
geodesic length of the old line bordering the gained parts that touch it, and the depth is
their area divided by that width (the same square: 10 km² over 10 km, 1 km). Per region, the
width goes to the region holding each piece of the old line and the area to the region
holding it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS

from geotools.errors import UsageError
from geotools.frontline import (
    M_PER_KM,
    FrontLine,
    _codes,
    _owners,
    geodesic_length_m,
    geodesic_lengths_m,
    segments,
)
from geotools.regions import OUTSIDE, RegionLayer
from geotools.table import TOTAL

#: Default spacing of the points at which advance depth is sampled.
DEFAULT_STEP_KM = 0.1
#: The advancing line is the new line within this distance (m) of the gained polygons: they
#: share the boundary exactly, a metre absorbs floating-point noise.
ADVANCE_SNAP_M = 1.0


@dataclass
class AdvanceStats:
    """Advance depth of one region (or the total) over a period."""

    line_m: float = 0.0  # length of the advancing line
    mean_m: float = float("nan")
    max_m: float = float("nan")
    width_m: float = 0.0  # length of the old line the gains were taken across
    area_m2: float = 0.0  # area of the gained parts that touch the old line

    @property
    def depth_m(self) -> float:
        """Area-based depth: the gained area taken across the old line over that line's
        length (a strip ``w`` wide and ``d`` deep gives ``d``); NaN without such a line."""
        return self.area_m2 / self.width_m if self.width_m > 0 else float("nan")


def advance_line(
    new: FrontLine, gained: shapely.Geometry, m_per_unit: float = 1.0
) -> shapely.Geometry:
    """The part of a line of contact (the new one: the advancing line; the old one: the line
    the gains were taken across) that bounds ``gained`` territory."""
    if shapely.is_empty(gained) or shapely.is_empty(new.line):
        return shapely.MultiLineString()
    near = shapely.buffer(gained, ADVANCE_SNAP_M / m_per_unit, quad_segs=2)
    cut = shapely.intersection(new.line, near)
    parts = [p for p in shapely.get_parts(cut) if p.geom_type == "LineString" and p.length > 0]
    return shapely.multilinestrings(parts) if parts else shapely.MultiLineString()


def sample_line(line: shapely.Geometry, step: float) -> tuple[np.ndarray, np.ndarray]:
    """Points along a line at most ``step`` apart (centres of equal pieces), and the length
    each stands for."""
    points, weights = [], []
    for part in shapely.get_parts(line):
        length = float(part.length)
        if length <= 0:
            continue
        n = max(1, int(np.ceil(length / step)))
        at = (np.arange(n) + 0.5) * (length / n)
        points.append(shapely.line_interpolate_point(part, at))
        weights.append(np.full(n, length / n))
    if not points:
        return np.empty(0, dtype=object), np.empty(0)
    return np.concatenate(points), np.concatenate(weights)


def geodesic_samples(
    line: shapely.Geometry, step: float, crs: CRS
) -> tuple[np.ndarray, np.ndarray]:
    """``sample_line``, with each point's length scaled from planar to geodesic metres (the
    weights add up to the line's geodesic length)."""
    points, weights = sample_line(line, step)
    if len(points):
        weights = weights * (geodesic_length_m(line, crs) / weights.sum())
    return points, weights


def geodesic_distances_m(points: np.ndarray, line: shapely.Geometry, crs: CRS) -> np.ndarray:
    """Geodesic distance (m) from each point to the nearest point of ``line`` (nearest found
    in the CRS, then measured on the ellipsoid)."""
    if len(points) == 0:
        return np.zeros(0)
    segs = segments(line)
    if len(segs) == 0:
        return np.full(len(points), np.nan)
    pieces = shapely.linestrings(segs.reshape(-1, 2, 2))
    tree = shapely.STRtree(pieces)
    (src, hit), _ = tree.query_nearest(points, return_distance=True, all_matches=False)
    nearest = np.empty(len(points), dtype=np.int64)
    nearest[src] = hit
    links = shapely.shortest_line(points, pieces[nearest])
    ends = shapely.get_coordinates(links).reshape(-1, 4)
    return geodesic_lengths_m(ends, crs)


def _depths(
    points: np.ndarray,
    parts: np.ndarray,
    attached: np.ndarray,
    old: FrontLine,
    border: shapely.Geometry | None,
    snap: float,
) -> np.ndarray:
    """Depth of each point: from the ``border`` when every gained part it bounds is a foothold
    taken from across it (``attached`` false), else from the old line."""
    depth = geodesic_distances_m(points, old.line, old.crs)
    if border is None or attached.all() or len(points) == 0:
        return depth
    pt, part = shapely.STRtree(parts).query(points, predicate="dwithin", distance=snap)
    bounds_loose = np.zeros(len(points), dtype=bool)
    bounds_loose[pt[~attached[part]]] = True
    bounds_attached = np.zeros(len(points), dtype=bool)
    bounds_attached[pt[attached[part]]] = True
    loose = bounds_loose & ~bounds_attached
    if loose.any():
        depth[loose] = geodesic_distances_m(points[loose], border, old.crs)
    return depth


def advance_depth(
    old: FrontLine,
    new: FrontLine,
    gained: shapely.Geometry,
    layer: RegionLayer | None = None,
    step_km: float = DEFAULT_STEP_KM,
    m_per_unit: float = 1.0,
    border: shapely.Geometry | None = None,
) -> dict[str, AdvanceStats]:
    """Advance depth per region (and ``total``): how far the new line bounding ``gained`` lies
    from the old line (see the module docstring for the sampling).

    A gained part that touches ``border`` (the outline's boundary; within the tolerance) but
    not the old line is a foothold taken from across the border, and is measured from it.
    """
    if step_km <= 0:
        raise UsageError(f"sampling step {step_km} km must be positive")
    adv = advance_line(new, gained, m_per_unit)
    step = step_km * M_PER_KM / m_per_unit
    points, weights = geodesic_samples(adv, step, new.crs)
    out: dict[str, AdvanceStats] = {}
    if len(points) == 0:
        return out
    vertices = shapely.points(shapely.get_coordinates(adv))
    snap = ADVANCE_SNAP_M / m_per_unit
    parts = shapely.get_parts(gained)
    # a part is a foothold when it touches the border (within the tolerance) but not the old
    # line; an island ahead of the old line is still measured from it
    attached = np.ones(len(parts), dtype=bool)
    if border is not None:
        reach = old.tolerance_km * M_PER_KM / m_per_unit + snap
        foothold = shapely.dwithin(parts, border, reach)
        if not old.line.is_empty:
            foothold &= ~shapely.dwithin(parts, old.line, snap)
        attached = ~foothold
    depth = _depths(points, parts, attached, old, border, snap)
    vdepth = _depths(vertices, parts, attached, old, border, snap)
    codes = _codes(layer, _owners(points, layer))
    vcodes = _codes(layer, _owners(vertices, layer))
    width, area = _widths(old, parts, attached, layer, step, snap, m_per_unit)
    for code in [*np.unique(codes).tolist(), TOTAL]:
        mask = np.ones(len(codes), bool) if code == TOTAL else codes == code
        vmask = np.ones(len(vcodes), bool) if code == TOTAL else vcodes == code
        w, d = weights[mask], depth[mask]
        deepest = max(float(d.max()), float(vdepth[vmask].max()) if vmask.any() else 0.0)
        out[str(code)] = AdvanceStats(
            line_m=float(w.sum()),
            mean_m=float((w * d).sum() / w.sum()),
            max_m=deepest,
            width_m=width.get(str(code), 0.0),
            area_m2=area.get(str(code), 0.0),
        )
    return out


def _widths(
    old: FrontLine,
    parts: np.ndarray,
    attached: np.ndarray,
    layer: RegionLayer | None,
    step: float,
    snap: float,
    m_per_unit: float,
) -> tuple[dict[str, float], dict[str, float]]:
    """Per region (and ``total``): geodesic length of the old line bordering the gained parts
    that touch it, and those parts' area (m²); the old line's pieces go to the region holding
    them, the area to the region holding it."""
    taken = parts[attached & shapely.dwithin(parts, old.line, snap)] if len(parts) else parts
    if len(taken) == 0 or shapely.is_empty(old.line):
        return {}, {}
    gained = shapely.union_all(taken)
    points, weights = geodesic_samples(advance_line(old, gained, m_per_unit), step, old.crs)
    width: dict[str, float] = {}
    if len(points):
        codes = _codes(layer, _owners(points, layer))
        for code in np.unique(codes).tolist():
            width[str(code)] = float(weights[codes == code].sum())
        width[TOTAL] = float(weights.sum())
    if layer is not None:
        area = {str(c): a for c, a in layer.allocate(gained).items()}
    else:
        area = {OUTSIDE: float(shapely.area(gained)) * m_per_unit**2}
    area[TOTAL] = float(shapely.area(gained)) * m_per_unit**2
    return width, area


# ---------------------------------------------------------------- tables and runs
