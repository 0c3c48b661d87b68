"""The diff engine: gained and lost polygons between two snapshots, per status class."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import shapely

from geotools.boxes import MAX_WINDOW_SHARE, hash_rows, merge_boxes, run_boxes
from geotools.clean import polygonal
from geotools.errors import UsageError
from geotools.snapshot import Change, Snapshot, made_geometries

#: issue 20 (flat-speed): the empty result, made once (each ``shapely.MultiPolygon()`` goes
#: through GEOS's WKT reader, ~20 µs, several times a pair); geometries are immutable.
_EMPTY = shapely.MultiPolygon()


def diff_geometries(
    before: shapely.Geometry, after: shapely.Geometry
) -> tuple[shapely.Geometry, shapely.Geometry]:
    """(gained, lost) = (after − before, before − after), polygonal parts only.

    This is the plain reference overlay; faster engines are tested against it.
    """
    if before.equals_exact(after, tolerance=0.0):
        return _EMPTY, _EMPTY
    gained = polygonal(shapely.difference(after, before))
    lost = polygonal(shapely.difference(before, after))
    return gained, lost


#: Above this many changed segments, grouping them costs more than it saves.
MAX_CHANGED_SEGMENTS = 4000


def boundary_segments(geom: shapely.Geometry) -> np.ndarray:
    """Every ring segment of a (Multi)Polygon as rows (x0, y0, x1, y1), endpoints sorted."""
    rings = shapely.get_rings(shapely.get_parts(geom))
    coords, idx = shapely.get_coordinates(rings, return_index=True)
    same = idx[1:] == idx[:-1]
    # --- issue 20 (flat-speed): a column at a time (the same rows; numpy's broadcast
    # ``where`` over n×2 arrays and the stacking were most of the time) ---
    x, y = coords[:, 0], coords[:, 1]
    x0, y0, x1, y1 = x[:-1][same], y[:-1][same], x[1:][same], y[1:][same]
    swap = (x0 > x1) | ((x0 == x1) & (y0 > y1))
    out = np.empty((len(x0), 4))
    out[:, 0] = np.where(swap, x1, x0)
    out[:, 1] = np.where(swap, y1, y0)
    out[:, 2] = np.where(swap, x0, x1)
    out[:, 3] = np.where(swap, y0, y1)
    return out
    # --- end ---


class _Segments:
    """A geometry's boundary segments with their hashes, sorted for lookups."""

    def __init__(self, geom: shapely.Geometry) -> None:
        self.geom = geom  # held so that its id is not reused while cached
        self.rows = boundary_segments(geom)
        self.hashes = hash_rows(self.rows)
        self.order = np.argsort(self.hashes, kind="stable")
        self.sorted = self.hashes[self.order]

    def contains(self, other: _Segments) -> np.ndarray:
        """Which of ``other``'s segments are segments of this geometry (in its order)."""
        found = np.zeros(len(other.rows), dtype=bool)
        if len(self.rows) == 0:
            return found
        # Sorted needles walk the sorted haystack in order: several times fewer cache misses
        # than looking the hashes up in ring order.
        pos = np.minimum(np.searchsorted(self.sorted, other.sorted), len(self.rows) - 1)
        match = self.order[pos]
        mine = other.order
        # issue 20 (flat-speed): the four coordinates compared a column at a time (the same
        # test as ``(a == b).all(axis=1)``, four times faster on an n×4 array)
        a, b = self.rows[match], other.rows[mine]
        same = self.sorted[pos] == other.sorted
        for k in range(4):
            same &= a[:, k] == b[:, k]
        found[mine] = same
        return found


class SegmentCache:
    """Boundary segments of the geometries of the pair being diffed, owned by whoever runs a
    sequence of pairs (a series chunk): in a series each snapshot is the "after" of one pair
    and the "before" of the next, so its segments are computed once, not twice. It holds only
    the current pair's geometries (2 per status class), keeps them alive while held (so an
    ``id`` is never reused under it), and is not shared between threads."""

    def __init__(self) -> None:
        self._held: dict[int, _Segments] = {}

    def retain(self, geoms: Iterable[shapely.Geometry]) -> None:
        """Drop every entry but those of ``geoms`` (the pair about to be diffed)."""
        keep = {id(g) for g in geoms}
        self._held = {k: s for k, s in self._held.items() if k in keep}

    def get(self, geom: shapely.Geometry) -> _Segments:
        """The segments of ``geom``, computed once while held."""
        found = self._held.get(id(geom))
        if found is not None and found.geom is geom:
            return found
        seg = _Segments(geom)
        self._held[id(geom)] = seg
        return seg

    def __len__(self) -> int:
        return len(self._held)


def change_windows(
    before: shapely.Geometry, after: shapely.Geometry, segments: SegmentCache | None = None
) -> shapely.Geometry | None:
    """Rectangles that hold every difference between two geometries, or None to say
    "compare everything" (localising would not pay).

    Segments present in both boundaries cancel; the rest are grouped into connected clusters
    and each cluster's bounding box becomes a window (merged until windows are disjoint).
    Every part of the symmetric difference is bounded by changed segments of one connected
    cluster, so it lies inside that cluster's box. An empty geometry means "identical".
    """
    if segments is None:
        a, b = _Segments(before), _Segments(after)
    else:
        a, b = segments.get(before), segments.get(after)
    gone = np.flatnonzero(~b.contains(a))
    new = np.flatnonzero(~a.contains(b))
    if len(gone) + len(new) == 0:
        return shapely.Polygon()
    if len(gone) + len(new) > MAX_CHANGED_SEGMENTS:
        return None
    merged = merge_boxes(np.vstack([run_boxes(a.rows, gone), run_boxes(b.rows, new)]))
    x0, y0, x1, y1 = np.vstack([shapely.bounds(before), shapely.bounds(after)]).T
    extent = (x1.max() - x0.min()) * (y1.max() - y0.min())
    if (
        (merged[:, 2] - merged[:, 0]) * (merged[:, 3] - merged[:, 1])
    ).sum() > MAX_WINDOW_SHARE * extent:
        return None
    # merged boxes neither overlap nor touch, so together they form a valid MultiPolygon
    return shapely.multipolygons(
        shapely.box(merged[:, 0], merged[:, 1], merged[:, 2], merged[:, 3])
    )


def diff_geometries_fast(
    before: shapely.Geometry,
    after: shapely.Geometry,
    segments: SegmentCache | None = None,
) -> tuple[shapely.Geometry, shapely.Geometry]:
    """Same result as diff_geometries, overlaying only inside the change windows.

    Consecutive snapshots share almost every edge, and coincident edges are what makes GEOS
    overlays slow; clipping both to the few windows where edges differ avoids them.
    """
    if shapely.is_empty(before) or shapely.is_empty(after):
        return diff_geometries(before, after)
    if shapely.equals_identical(before, after):  # issue 20: a class the day left alone
        return _EMPTY, _EMPTY
    windows = change_windows(before, after, segments)
    if windows is None:
        return diff_geometries(before, after)
    empty = _EMPTY
    if shapely.is_empty(windows):
        return empty, empty
    # One overlay per window: each then only nodes the edges inside its own rectangle.
    boxes = shapely.get_parts(windows)
    a, b = _clip(before, boxes), _clip(after, boxes)
    return _assemble(shapely.difference(b, a)), _assemble(shapely.difference(a, b))


def _clip(geom: shapely.Geometry, boxes: np.ndarray) -> np.ndarray:
    """``geom`` ∩ each box: GEOS's rectangle clipper (several times faster than an overlay),
    with the overlay where the clipper's output is not valid (it may be, on rare inputs)."""
    out = np.empty(len(boxes), dtype=object)
    for i, (x0, y0, x1, y1) in enumerate(shapely.bounds(boxes).tolist()):
        out[i] = shapely.clip_by_rect(geom, x0, y0, x1, y1)
    for k in np.flatnonzero(~shapely.is_valid(out)).tolist():
        out[k] = _exact_clip(geom, boxes[k])
    return out


def _exact_clip(geom: shapely.Geometry, box: shapely.Geometry) -> shapely.Geometry:
    """``geom`` ∩ ``box`` by overlay, where the rectangle clipper's piece was invalid. The
    overlay takes a valid piece of ``geom`` clipped to a wider box (the same polygon inside
    ``box``, without the rest, which on a densified snapshot made each overlay 0.3 s);
    the whole ``geom`` when no wider piece comes out valid."""
    x0, y0, x1, y1 = shapely.bounds(box).tolist()
    side = max(x1 - x0, y1 - y0, 1e-9)
    for margin in (0.5 * side, 1.37 * side, 0.19 * side):
        wide = shapely.clip_by_rect(geom, x0 - margin, y0 - margin, x1 + margin, y1 + margin)
        if shapely.is_valid(wide):
            return shapely.intersection(wide, box)
    return shapely.intersection(geom, box)


def _assemble(pieces: np.ndarray) -> shapely.Geometry:
    """Polygons of per-window results; the windows are apart, so their parts never touch."""
    # issue 20 (flat-speed): an empty piece has no parts (polygonal made a new empty
    # MultiPolygon of each, through GEOS's WKT reader)
    pieces = pieces[~shapely.is_empty(pieces)]
    parts = [p for piece in pieces for p in shapely.get_parts(polygonal(piece))]
    return shapely.multipolygons(parts) if parts else _EMPTY


def diff_snapshots(
    before: Snapshot,
    after: Snapshot,
    /,
    *,
    fast: bool = True,
    segments: SegmentCache | None = None,
    unions: Mapping[str, Sequence[str]] | None = None,
    measure_start: bool = True,
) -> list[Change]:
    """One Change per status class present in either snapshot, sorted by status.

    ``fast=False`` runs the plain reference overlay; ``segments`` (a SegmentCache owned by
    the caller) reuses the boundary segments of ``after`` when it is the next pair's
    ``before``. ``unions`` names statuses that are unions of disjoint member statuses (a
    profile's ``russian_control``): when every member but one is the same on both days, the
    union gained and lost exactly what that member did, and its Change reuses them; its
    area is its members' areas added (their union is not made for them). Two snapshots
    kept as parts (a disjoint profile's: geotools.parts) are measured inside the windows
    where their parts differ, their classes not made; their areas are then carried
    (``Change.area_carried``). ``measure_start=False`` is for a caller that carries the areas
    itself (a series, past its first pair: geotools.series.TotalAccounts): where the areas
    at ``before`` would be measured on the classes of a snapshot kept as parts (the first of
    a chunk), they are left unknown (NaN) and those classes are not made for it.

    Examples
    --------
    >>> a, b = read_snapshots(["A.geojson", "B.geojson"])  # doctest: +SKIP
    >>> [c.net_m2 for c in diff_snapshots(a, b)]  # doctest: +SKIP
    """
    if not before.crs.equals(after.crs):
        raise UsageError(
            f"snapshots {before.source} and {after.source} are in different CRSs; "
            "read them together (read_snapshots) or pass the same crs"
        )
    if fast and before.parts is not None and after.parts is not None:
        found = _parts_changes(before, after, unions or {}, measure_start)
        if found is not None:  # issue 20: measured where the parts differ (geotools.parts)
            return found
    if segments is not None:  # (a union not made yet stays so: issue 20)
        held = made_geometries(before.geometries), made_geometries(after.geometries)
        segments.retain([g for geoms in held for g in geoms.values()])
    statuses = sorted(set(before.geometries) | set(after.geometries))
    unions = {u: m for u, m in (unions or {}).items() if u in statuses}
    done: dict[str, Change] = {}
    unit = before.m2_per_unit
    for status in [s for s in statuses if s not in unions] + list(unions):
        members = unions.get(status, ())
        same = _member_change(members, before, after, done)
        if same is not None:  # the union's geometries are not read (nor made: issue 20)
            gained, lost, gained_m2, lost_m2 = same
        else:
            g0 = before.geometries.get(status, _EMPTY)
            g1 = after.geometries.get(status, _EMPTY)
            if fast:
                gained, lost = diff_geometries_fast(g0, g1, segments)
            else:
                gained, lost = diff_geometries(g0, g1)
            gained_m2 = float(shapely.area(gained)) * unit
            lost_m2 = float(shapely.area(lost)) * unit
        if members and all(m in done for m in members):  # disjoint: the union's area is theirs
            area_from = sum(done[m].area_from_m2 for m in members)
            area_to = sum(done[m].area_to_m2 for m in members)
        else:
            area_from = float(shapely.area(before.geometries.get(status, _EMPTY))) * unit
            area_to = float(shapely.area(after.geometries.get(status, _EMPTY))) * unit
        done[status] = _change_of(
            status, before, after, (gained, lost), (area_from, area_to, gained_m2, lost_m2)
        )
    return [done[s] for s in statuses]


def _member_change(
    members: Sequence[str], before: Snapshot, after: Snapshot, done: dict[str, Change]
) -> tuple[shapely.Geometry, shapely.Geometry, float, float] | None:
    """A union's (gained, lost, gained m², lost m²) when at most one of its disjoint members
    changed (U' − U = M' − M when the other members R are the same and apart from M: issue
    20); None when it must be measured."""
    if not members:
        return None
    moved = [
        m
        for m in members
        if not shapely.equals_identical(
            before.geometries.get(m, _EMPTY), after.geometries.get(m, _EMPTY)
        )
    ]
    if not moved:
        return _EMPTY, _EMPTY, 0.0, 0.0
    if len(moved) == 1 and moved[0] in done:
        c = done[moved[0]]
        return c.gained, c.lost, c.gained_m2, c.lost_m2
    return None


def _parts_changes(
    before: Snapshot,
    after: Snapshot,
    unions: Mapping[str, Sequence[str]],
    measure_start: bool = True,
) -> list[Change] | None:
    """The Changes of two snapshots kept as parts, measured inside the windows where their
    class maps can differ (geotools.parts); None when that does not apply or would not pay.

    A class's area on ``after`` is its area on ``before`` plus what it gained, less what it
    lost (the same set: outside the windows nothing moved), unless it was measured already;
    a union's is its disjoint members' areas added. Either way it hangs on what this process
    measured first, so every Change says ``area_carried`` (a series carries the areas from its
    own first pair: geotools.series.TotalAccounts). Without ``measure_start`` the areas at
    ``before``, when it has none yet, are NaN (issue 20: a series' chunk after its first made
    every class of its first snapshot only to measure areas the series does not use)."""
    from geotools.parts import parts_change

    assert before.parts is not None and after.parts is not None
    classes = before.parts.classes
    statuses = sorted(set(before.geometries) | set(after.geometries))
    unions = {u: m for u, m in unions.items() if u in statuses}
    if set(statuses) != set(classes) | set(unions):
        return None
    moved = parts_change(before.parts, after.parts, unions)
    if moved is None:
        return None
    unit = before.m2_per_unit
    was = before.parts.areas
    if was is None or (measure_start and any(math.isnan(a) for a in was.values())):
        if measure_start:  # the first of a run: measured on its classes
            was = {c: float(shapely.area(before.geometries[c])) for c in classes}
        else:  # the caller carries them (and these classes are not made for it)
            was = dict.fromkeys(classes, math.nan)
        before.parts.areas = was
    known = after.parts.areas
    if known is not None and any(math.isnan(a) for a in known.values()):
        known = None  # (left unknown by an earlier call: carried from ``before`` instead)
    now: dict[str, float] = {}
    done: dict[str, Change] = {}
    for status in [*classes, *unions]:
        gained, lost = moved[status]
        g, lo = float(shapely.area(gained)), float(shapely.area(lost))
        members = unions.get(status)
        if members:
            a0 = sum(was[m] for m in members)
            a1 = sum(now[m] for m in members)
        else:
            a0 = was[status]
            a1 = known[status] if known is not None else a0 + g - lo
            now[status] = a1
        areas = (a0 * unit, a1 * unit, g * unit, lo * unit)
        done[status] = _change_of(status, before, after, (gained, lost), areas, carried=True)
    if known is None:
        after.parts.areas = now
    return [done[s] for s in statuses]


def _change_of(
    status: str,
    before: Snapshot,
    after: Snapshot,
    polygons: tuple[shapely.Geometry, shapely.Geometry],
    areas_m2: tuple[float, float, float, float],
    carried: bool = False,
) -> Change:
    """A Change from its (gained, lost) polygons and its (from, to, gained, lost) m²."""
    area_from, area_to, gained_m2, lost_m2 = areas_m2
    return Change(
        status=status,
        from_date=before.date,
        to_date=after.date,
        gained=polygons[0],
        lost=polygons[1],
        area_from_m2=area_from,
        area_to_m2=area_to,
        gained_m2=gained_m2,
        lost_m2=lost_m2,
        area_carried=carried,
    )
