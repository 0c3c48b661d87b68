"""A disjoint profile's snapshot kept as its polygon parts, and the change between two such
snapshots measured where their parts differ (issue 20: the raw DeepState path).

A raw DeepState day is ~90 polygons of four classes made disjoint by precedence (an earlier
class keeps the area it shares with a later one). A day moves ~5 of them, but they sit in the
front's cluster of every class, so settling and diffing whole classes redid that cluster
(about 65 % of the day's vertices) every day. Here a snapshot's *parts* are the valid
polygons of its features, each projected on its own (the loader); parts of one class may
overlap. The classes are not made for a series at all (they stay pending:
``Snapshot.geometries`` dissolves and settles them when read), and the change of each class is
measured inside *windows* that hold every place where the day's class map can differ from the
day before's; inside a window each class's pieces are dissolved there.

Why the windows hold every change. Orient every ring (shells counterclockwise, holes
clockwise): then a point lies in a valid polygon exactly when the polygon's boundary winds
once around it, so the number of class-``c`` parts that cover a point is the winding number of
the chain of all class-``c`` boundary segments. The class at a point is a function of those
counts (the first class, in precedence order, with a count above 0). Between two days the
chains differ by the segments that are not in both (as multisets, by class); that difference
is a cycle, each connected component of it is a cycle, and a cycle winds around no point
outside its bounding box. So outside the boxes of the connected runs of changed segments
(padded, merged until apart) every count, hence the class, is the same on both days. Inside
each box both days' class maps are made from the parts clipped to it, and compared there.

A segment that is repeated within one side's changed parts is counted as changed whatever the
other side holds: the windows are then larger than they need be, never smaller.
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from geotools.boxes import MAX_WINDOW_SHARE, hash_rows, merge_boxes, run_boxes
from geotools.clean import polygonal
from geotools.memo import Memo, register

#: Above this many changed segments the caller diffs whole classes instead.
MAX_CHANGED = 20000
#: ... or above this share of the two days' vertices: a day that redraws most of its parts
#: (2024-07-30: every coordinate moved by up to 5e-7°, 55 of 86 polygons new, 14,000 vertices
#: in 53 windows) makes the windows' overlays cost more than diffing the classes (200 ms
#: against about 120 ms a pair, the classes made included).
MAX_CHANGED_SHARE = 0.1

_EMPTY = shapely.MultiPolygon()

#: The first bytes of a WKB Polygon (2-D) and GeometryCollection in this machine's byte order
#: (shapely.to_wkb's default).
_ORDER = b"\x01" if sys.byteorder == "little" else b"\x00"
_POLYGON_HEAD = _ORDER + struct.pack("=I", 3)
_COLLECTION_HEAD = _ORDER + struct.pack("=I", 7)


@dataclass(eq=False)
class Parts:
    """A snapshot's valid polygon parts in its equal-area CRS, with each part's class (one of
    ``classes``, listed in precedence order) and WKB (its identity from day to day).

    ``areas`` holds each class's area (CRS units²) once known: measured from the classes, or
    carried from the day before through the change measured between them (geotools.diff)."""

    geoms: np.ndarray
    statuses: np.ndarray
    keys: list[bytes]
    classes: tuple[str, ...]
    areas: dict[str, float] | None = None
    _tree: shapely.STRtree | None = field(default=None, repr=False)
    _vertices: int | None = field(default=None, repr=False)

    @classmethod
    def of(cls, geoms: np.ndarray, statuses: np.ndarray, classes: Sequence[str]) -> Parts:
        """Parts from polygons and their classes (their WKB computed here)."""
        geoms = np.asarray(geoms, dtype=object)
        keys = list(shapely.to_wkb(geoms)) if len(geoms) else []
        return cls(geoms, np.asarray(statuses, dtype=object), keys, tuple(classes))

    @property
    def vertices(self) -> int:
        """The parts' vertices (closing ones included)."""
        if self._vertices is None:
            self._vertices = int(shapely.get_num_coordinates(self.geoms).sum())
        return self._vertices

    def wkb(self) -> bytes:
        """The WKB of a GeometryCollection of the parts, in order: what ``shapely.to_wkb`` of
        it gives, assembled from the parts' own WKB (issue 20: a raw day's cache entry cost
        0.29 ms to collect and encode again, 0.02 ms so). Parts that are not all 2-D Polygons
        in this machine's byte order are encoded whole, as before."""
        head = _POLYGON_HEAD
        if not all(k[:5] == head for k in self.keys) or len(self.keys) != len(self.geoms):
            return bytes(shapely.to_wkb(shapely.geometrycollections(self.geoms)))
        return _COLLECTION_HEAD + struct.pack("=I", len(self.keys)) + b"".join(self.keys)

    def tree(self) -> shapely.STRtree:
        """An index of the parts (made once)."""
        if self._tree is None:
            self._tree = shapely.STRtree(self.geoms)
        return self._tree

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_tree"] = None  # an index is not pickled: made again where needed
        return state


#: Per process (geotools.memo): a part's oriented boundary segments, by its WKB.
_SEGMENTS: Memo[np.ndarray] = register(Memo(4096))


def oriented_segments(poly: shapely.Geometry) -> np.ndarray:
    """Every ring segment of a Polygon as rows (x0, y0, x1, y1), its shell counterclockwise
    and its holes clockwise."""
    rings = shapely.get_rings(poly)
    coords, idx = shapely.get_coordinates(rings, return_index=True)
    ccw = np.asarray(shapely.is_ccw(rings), dtype=bool)
    flip = ccw.copy()
    flip[0] = not ccw[0]  # the shell must be counterclockwise, each hole clockwise
    same = idx[1:] == idx[:-1]
    start, end = coords[:-1][same], coords[1:][same]
    rev = flip[idx[1:][same]]
    out = np.empty((len(start), 4))
    out[:, :2] = np.where(rev[:, None], end, start)
    out[:, 2:] = np.where(rev[:, None], start, end)
    return out


def _segments(parts: Parts, i: int) -> np.ndarray:
    return _SEGMENTS.get(parts.keys[i], oriented_segments, parts.geoms[i])


class _Sorted:
    """Rows (each of a class) with their hashes, sorted by hash once for both directions."""

    def __init__(self, rows: np.ndarray, cls: np.ndarray) -> None:
        self.rows, self.cls = rows, cls
        hashes = hash_rows(rows, cls)
        self.order = np.argsort(hashes)
        self.sorted = hashes[self.order]
        rep = self.sorted[1:] == self.sorted[:-1]
        self.repeated = np.zeros(len(rows), dtype=bool)  # a hash twice: taken as changed
        self.repeated[self.order[1:][rep]] = True
        self.repeated[self.order[:-1][rep]] = True

    def changed_against(self, theirs: _Sorted) -> np.ndarray:
        """Which of these rows are not rows of ``theirs`` in the same class (a repeated row,
        or one whose hash another row shares, counts as changed: windows may grow, never
        shrink). Sorted needles walk the sorted haystack in order."""
        out = np.ones(len(self.rows), dtype=bool)
        if len(self.rows) == 0 or len(theirs.rows) == 0:
            return out
        pos = np.minimum(np.searchsorted(theirs.sorted, self.sorted), len(theirs.rows) - 1)
        at, mine = theirs.order[pos], self.order
        found = (theirs.sorted[pos] == self.sorted) & (theirs.cls[at] == self.cls[mine])
        match, rows = theirs.rows[at], self.rows[mine]
        for k in range(4):
            found &= match[:, k] == rows[:, k]
        out[mine] = ~found
        out |= self.repeated
        return out


def _moved(parts: Parts, others: Parts) -> list[int]:
    """The parts of ``parts`` not in ``others`` (by class and WKB, as many times)."""
    mine: dict[tuple[str, bytes], int] = {}
    theirs: dict[tuple[str, bytes], int] = {}
    keys = list(zip(parts.statuses.tolist(), parts.keys, strict=True))
    for sk in keys:
        mine[sk] = mine.get(sk, 0) + 1
    for sk in zip(others.statuses.tolist(), others.keys, strict=True):
        theirs[sk] = theirs.get(sk, 0) + 1
    return [i for i, sk in enumerate(keys) if mine[sk] != theirs.get(sk, 0)]


def _rows(parts: Parts, picked: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The oriented segments of the picked parts, and each one's class (its index)."""
    if not picked:
        return np.empty((0, 4)), np.empty(0, dtype=np.int64)
    rank = {c: n for n, c in enumerate(parts.classes)}
    found = [_segments(parts, i) for i in picked]
    cls = [
        np.full(len(f), rank[str(parts.statuses[i])]) for f, i in zip(found, picked, strict=True)
    ]
    return np.vstack(found), np.concatenate(cls)


def change_windows(before: Parts, after: Parts, thrifty: bool = True) -> np.ndarray | None:
    """Boxes (xmin, ymin, xmax, ymax), apart, outside which the two days' class maps are the
    same (see the module's docstring). With ``thrifty``, None when they would not pay: more
    than MAX_WINDOW_SHARE of the data's extent, or too many changed segments."""
    # parts kept as they were (same class, same WKB, as many) cancel out
    a, a_cls = _rows(before, _moved(before, after))
    b, b_cls = _rows(after, _moved(after, before))
    if len(a) + len(b) == 0:
        return np.empty((0, 4))
    was, now = _Sorted(a, a_cls), _Sorted(b, b_cls)
    gone = np.flatnonzero(was.changed_against(now))
    came = np.flatnonzero(now.changed_against(was))
    changed = len(gone) + len(came)
    most = min(MAX_CHANGED, MAX_CHANGED_SHARE * (before.vertices + after.vertices))
    if thrifty and changed > most:
        return None
    if changed == 0:
        return np.empty((0, 4))
    merged = merge_boxes(np.vstack([run_boxes(a, gone), run_boxes(b, came)]))
    sides = [shapely.total_bounds(p.geoms) for p in (before, after) if len(p.geoms)]
    x0, y0, x1, y1 = np.vstack(sides).T
    extent = (x1.max() - x0.min()) * (y1.max() - y0.min())
    covered = ((merged[:, 2] - merged[:, 0]) * (merged[:, 3] - merged[:, 1])).sum()
    if thrifty and covered > MAX_WINDOW_SHARE * extent:
        return None
    return merged


def _clips(
    parts: Parts, boxes: np.ndarray, box_geoms: np.ndarray
) -> dict[str, list[tuple[int, bytes, shapely.Geometry]]]:
    """Each class's parts clipped to each box they reach: (box, part's WKB, piece)."""
    which, idx = parts.tree().query(box_geoms)
    out: dict[str, list[tuple[int, bytes, shapely.Geometry]]] = {c: [] for c in parts.classes}
    pieces = np.empty(len(idx), dtype=object)
    for j in np.unique(which).tolist():  # a box's parts clipped in one call
        at = np.flatnonzero(which == j)
        x0, y0, x1, y1 = boxes[j].tolist()
        pieces[at] = shapely.clip_by_rect(parts.geoms[idx[at]], x0, y0, x1, y1)
    bad = ~shapely.is_valid(pieces)  # the rectangle clipper's rare invalid output
    for n in np.flatnonzero(bad).tolist():
        pieces[n] = polygonal(shapely.intersection(parts.geoms[idx[n]], box_geoms[which[n]]))
    keep = ~shapely.is_empty(pieces)
    kept = zip(which[keep].tolist(), idx[keep].tolist(), pieces[keep].tolist(), strict=True)
    for j, i, piece in kept:
        out[str(parts.statuses[i])].append((j, parts.keys[i], piece))
    for found in out.values():
        found.sort(key=lambda t: (t[0], t[1]))
    return out


def _union(found: list[tuple[int, bytes, shapely.Geometry]]) -> shapely.Geometry:
    if not found:
        return _EMPTY
    if len(found) == 1:
        return found[0][2]
    return polygonal(shapely.union_all([piece for _, _, piece in found]))


#: A class's clipped union and the earlier classes' (None: none), on each of the two days.
_Inputs = tuple[tuple[shapely.Geometry, shapely.Geometry | None], ...]


def _local_changes(
    before: Parts, after: Parts, boxes: np.ndarray
) -> tuple[dict[str, tuple[shapely.Geometry, shapely.Geometry]], dict[str, _Inputs]]:
    """Each class's (gained, lost) inside the boxes, and what its settled pieces there are
    made of on each day (``_minus``). A class whose clipped parts are the same on both days,
    as are every earlier class's, did not change there and is not settled."""
    box_geoms = shapely.box(boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3])
    was, now = _clips(before, boxes, box_geoms), _clips(after, boxes, box_geoms)
    out: dict[str, tuple[shapely.Geometry, shapely.Geometry]] = {}
    inputs: dict[str, _Inputs] = {}
    earlier: list[shapely.Geometry | None] = [None, None]  # per day; the same object if same
    last = before.classes[-1]
    for cls in before.classes:
        same_clips = [(j, k) for j, k, _ in was[cls]] == [(j, k) for j, k, _ in now[cls]]
        u0 = _union(was[cls])
        u1 = u0 if same_clips else _union(now[cls])
        e0, e1 = earlier
        inputs[cls] = ((u0, e0), (u1, e1))
        if same_clips and e0 is e1:  # the same inputs: the same class map here
            out[cls] = (_EMPTY, _EMPTY)
        else:
            out[cls] = _change(_minus(u0, e0), _minus(u1, e1))
        if cls == last:
            break
        if e0 is e1 and u0 is u1:
            grown = u0 if e0 is None else shapely.union(e0, u0)
            earlier = [grown, grown]
        else:
            earlier = [u if e is None else shapely.union(e, u) for u, e in ((u0, e0), (u1, e1))]
    return out, inputs


def _minus(union: shapely.Geometry, earlier: shapely.Geometry | None) -> shapely.Geometry:
    """A class's clipped union less the earlier classes' there."""
    if earlier is None or shapely.is_empty(union):
        return union
    return polygonal(shapely.difference(union, earlier))


def parts_change(
    before: Parts,
    after: Parts,
    unions: Mapping[str, Sequence[str]] | None = None,
    thrifty: bool = True,
) -> dict[str, tuple[shapely.Geometry, shapely.Geometry]] | None:
    """(gained, lost) of every class, and of each union of classes in ``unions``, between two
    snapshots' parts; with ``thrifty``, None when windows would not pay (change_windows: the
    caller then diffs the classes themselves)."""
    if before.classes != after.classes:
        return None
    boxes = change_windows(before, after, thrifty)
    if boxes is None:
        return None
    names = list(before.classes) + list(unions or {})
    if len(boxes) == 0:
        return {name: (_EMPTY, _EMPTY) for name in names}
    out, inputs = _local_changes(before, after, boxes)
    for name, members in (unions or {}).items():
        moving = [m for m in members if m in out and not _still(*out[m])]
        if len(moving) <= 1:  # U' − U = M' − M when the other (disjoint) members stay
            out[name] = out[moving[0]] if moving else (_EMPTY, _EMPTY)
            continue
        sides = [[_minus(*inputs[m][day]) for m in members if m in inputs] for day in (0, 1)]
        out[name] = _change(*(polygonal(shapely.union_all(side)) for side in sides))
    return out


def _still(gained: shapely.Geometry, lost: shapely.Geometry) -> bool:
    return bool(shapely.is_empty(gained)) and bool(shapely.is_empty(lost))


def _change(
    g0: shapely.Geometry, g1: shapely.Geometry
) -> tuple[shapely.Geometry, shapely.Geometry]:
    """(g1 − g0, g0 − g1) of two windows' class maps."""
    if (shapely.is_empty(g0) and shapely.is_empty(g1)) or shapely.equals_identical(g0, g1):
        return _EMPTY, _EMPTY
    return polygonal(shapely.difference(g1, g0)), polygonal(shapely.difference(g0, g1))
