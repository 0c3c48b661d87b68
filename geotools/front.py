"""Front-line metrics: the line of contact of a control snapshot, its length, and how far
gained territory pushes it.

The **line of contact** is the part of the control boundary lying more than ``tolerance_km``
inside the country outline (the region layer's union clipped to land, or any outline): the
rest of the boundary is the international border or the coast, drawn slightly differently by
every source, so a tolerance absorbs the difference. Lengths are geodesic on the WGS84
ellipsoid (each straight segment of the equal-area CRS measured between its end points).

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

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod

from geotools.clean import polygonal
from geotools.crs import WGS84, project, transformer
from geotools.diff import diff_geometries_fast
from geotools.errors import DataError, UsageError
from geotools.io import OnDuplicate, load_snapshot, read_raw, resolve_refs
from geotools.periods import Period, make_periods
from geotools.progress import progress
from geotools.regions import OUTSIDE, RegionLayer, RegionSpec, land_mask, select_codes
from geotools.snapshot import M2_PER_KM2, Snapshot
from geotools.sources.profile import Profile, control_statuses, load_profile
from geotools.table import TOTAL, TOTAL_NAME

log = logging.getLogger(__name__)

_GEOD = Geod(ellps="WGS84")
M_PER_KM = 1000.0
#: Default tolerance: the Natural Earth 10m coast and the sources' coasts differ by 1–3 km.
DEFAULT_TOLERANCE_KM = 3.0
#: Default spacing of the points at which advance depth is sampled.
DEFAULT_STEP_KM = 0.1
#: The advancing line is the new line within this distance (m) of the gained polygons: they
#: share the boundary exactly, a metre absorbs floating-point noise.
ADVANCE_SNAP_M = 1.0

LENGTH_COLUMNS = ["date", "region", "region_name", "front_km", "tolerance_km"]
ADVANCE_COLUMNS = [
    "period_start",
    "period_end",
    "from_date",
    "to_date",
    "region",
    "region_name",
    "front_from_km",
    "front_to_km",
    "gained_km2",
    "advance_line_km",
    "advance_mean_km",
    "advance_max_km",
    "advance_width_km",
    "advance_depth_km",
    "gap_days",
]


# ---------------------------------------------------------------- geometry


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


@dataclass
class FrontResult:
    """A front run: per-date lengths, per-period advance (empty for one snapshot), lines."""

    lengths: pd.DataFrame
    advance: pd.DataFrame
    lines: list[FrontLine]
    crs: CRS
    names: dict[str, str] = field(default_factory=dict)

    def lines_frame(self, by_region: bool = True) -> Any:
        """GeoDataFrame of the lines of contact in WGS84: one row per date (``total``) and,
        with regions, one per date and region."""
        import geopandas as gpd

        rows = []
        for fl in self.lines:
            items: list[tuple[str, shapely.Geometry, float]] = [(TOTAL, fl.line, fl.length_m)]
            if by_region:
                items += [
                    (c, fl.region_lines[c], fl.by_region_m[c]) for c in sorted(fl.region_lines)
                ]
            for code, geom, length in items:
                rows.append(
                    {
                        "date": fl.date.isoformat(),
                        "region": code,
                        "region_name": self.names.get(code, TOTAL_NAME if code == TOTAL else code),
                        "front_km": length / M_PER_KM,
                        "tolerance_km": fl.tolerance_km,
                        "geometry": project(geom, fl.crs, WGS84),
                    }
                )
        columns = [*LENGTH_COLUMNS, "geometry"]
        return gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs=WGS84)


def length_rows(fl: FrontLine, names: dict[str, str]) -> list[dict[str, object]]:
    """Length rows of one date: every region (zero included), ``outside`` and ``total``."""
    rows: list[dict[str, object]] = []
    for code, name in [*names.items(), (TOTAL, TOTAL_NAME)]:
        length = fl.length_m if code == TOTAL else fl.by_region_m.get(code, 0.0)
        rows.append(
            {
                "date": fl.date,
                "region": code,
                "region_name": name,
                "front_km": length / M_PER_KM,
                "tolerance_km": fl.tolerance_km,
            }
        )
    return rows


def advance_rows(
    period: Period,
    old: FrontLine,
    new: FrontLine,
    gained_by_region_m2: dict[str, float],
    stats: dict[str, AdvanceStats],
    names: dict[str, str],
) -> list[dict[str, object]]:
    """Advance rows of one period: every region, ``outside`` and ``total``."""
    rows: list[dict[str, object]] = []
    for code, name in [*names.items(), (TOTAL, TOTAL_NAME)]:
        st = stats.get(code, AdvanceStats())
        if code == TOTAL:
            f0, f1 = old.length_m, new.length_m
            gained = sum(gained_by_region_m2.values())
        else:
            f0, f1 = old.by_region_m.get(code, 0.0), new.by_region_m.get(code, 0.0)
            gained = gained_by_region_m2.get(code, 0.0)
        rows.append(
            {
                "period_start": period.start,
                "period_end": period.end,
                "from_date": period.from_date,
                "to_date": period.to_date,
                "region": code,
                "region_name": name,
                "front_from_km": f0 / M_PER_KM,
                "front_to_km": f1 / M_PER_KM,
                "gained_km2": gained / M2_PER_KM2,
                "advance_line_km": st.line_m / M_PER_KM,
                "advance_mean_km": st.mean_m / M_PER_KM,
                "advance_max_km": st.max_m / M_PER_KM,
                "advance_width_km": st.width_m / M_PER_KM,
                "advance_depth_km": st.depth_m / M_PER_KM,
                "gap_days": period.gap_days,
            }
        )
    return rows


def front(
    inputs: Sequence[str | Path],
    regions: RegionSpec | None = None,
    outline: str | Path | None = None,
    land: str | Path | None = None,
    tolerance_km: float = DEFAULT_TOLERANCE_KM,
    step_km: float = DEFAULT_STEP_KM,
    period: str | None = "month",
    start: dt.date | None = None,
    end: dt.date | None = None,
    edges: Sequence[dt.date] | None = None,
    include_partial: bool = False,
    statuses: Sequence[str] | None = None,
    crs: CRS | None = None,
    date_field: str | None = None,
    layer_name: str | None = None,
    status_field: str | None = None,
    status: str = "occupied",
    on_duplicate: OnDuplicate = "error",
    force_crs: bool = False,
    region_filter: Sequence[str] | None = None,
    show_progress: bool | None = None,
    profile: Profile | str | None = None,
) -> FrontResult:
    """Lines of contact and their lengths at each period edge, and the advance per period.

    The outline is ``outline`` (a polygon file) or else the region layer's union; either is
    clipped to land (the shipped Natural Earth 10m mask, or ``land``). One snapshot gives
    lengths only. Only the snapshots at period edges are read.
    """
    if regions is None and outline is None:
        raise UsageError("the front needs the country outline: give --by REGIONS or --outline")
    prof = load_profile(profile) if profile is not None else None
    if statuses is None and prof is not None:
        statuses = control_statuses(prof)
    refs = resolve_refs(inputs, None, date_field, layer_name, on_duplicate)
    by_date = {r.date: r for r in refs}
    days = sorted(by_date)
    periods: list[Period] = []
    if len(days) > 1:
        periods = make_periods(days, period, start, end, edges, include_partial)
        wanted = sorted({p.from_date for p in periods} | {p.to_date for p in periods})
    else:
        wanted = days
    snaps: dict[dt.date, Snapshot] = {}
    fronts: dict[dt.date, FrontLine] = {}
    layer: RegionLayer | None = None
    zone = None
    border = None
    names: dict[str, str] = {}
    with progress(len(wanted), "front", show_progress) as advance:
        for day in wanted:
            snap = load_snapshot(by_date[day], crs, status_field, status, force_crs, profile=prof)
            crs = snap.crs
            if zone is None:
                if regions is not None:
                    layer = regions.build(crs)
                    names = {c: layer.name_of(c) for c in [*layer.codes, OUTSIDE]}
                shape = read_outline(outline, crs) if outline is not None else None
                if shape is None:
                    assert layer is not None
                    shape = layer.union
                shape = polygonal(shapely.intersection(shape, land_mask(crs, land)))
                zone = inner_zone(shape, tolerance_km, snap.m2_per_unit**0.5)
                if shapely.is_empty(zone):
                    log.warning(
                        "no part of the outline lies more than %g km inside it: every line of "
                        "contact is empty; lower --tolerance-km",
                        tolerance_km,
                    )
                border = shapely.boundary(
                    shapely.simplify(shape, tolerance_km * M_PER_KM / 10 / snap.m2_per_unit**0.5)
                )
            snaps[day] = snap
            fronts[day] = front_line(snap, zone, tolerance_km, layer, statuses)
            advance()
    assert crs is not None
    lengths = [row for d in wanted for row in length_rows(fronts[d], names)]
    rows: list[dict[str, object]] = []
    for p in periods:
        before, after = snaps[p.from_date], snaps[p.to_date]
        gained, _ = diff_geometries_fast(
            control_geometry(before, statuses), control_geometry(after, statuses)
        )
        alloc = layer.allocate(gained) if layer is not None else {}
        if layer is None and not shapely.is_empty(gained):
            alloc = {OUTSIDE: float(shapely.area(gained)) * after.m2_per_unit}
        stats = advance_depth(
            fronts[p.from_date],
            fronts[p.to_date],
            gained,
            layer,
            step_km,
            after.m2_per_unit**0.5,
            border,
        )
        rows.extend(advance_rows(p, fronts[p.from_date], fronts[p.to_date], alloc, stats, names))
    length_table = pd.DataFrame(lengths, columns=LENGTH_COLUMNS)
    advance_table = pd.DataFrame(rows, columns=ADVANCE_COLUMNS)
    if region_filter and layer is not None:
        keep = select_codes(layer, list(region_filter)) | {TOTAL}
        length_table = length_table[length_table["region"].isin(keep)].reset_index(drop=True)
        advance_table = advance_table[advance_table["region"].isin(keep)].reset_index(drop=True)
    return FrontResult(
        lengths=length_table,
        advance=advance_table,
        lines=[fronts[d] for d in wanted],
        crs=crs,
        names=names,
    )
