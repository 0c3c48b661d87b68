"""Change windows' building blocks (geotools.diff and geotools.parts): a hash of segment rows,
the runs of changed segments along a ring as padded boxes, merged until no two meet."""

from __future__ import annotations

import numpy as np
import shapely

from geotools.clean import boxes_meet

#: Padding (CRS units, metres) that merges the boxes of touching changed segments.
WINDOW_PAD = 1.0
#: Above this share of the data's extent, windows do not pay: the callers overlay whole.
MAX_WINDOW_SHARE = 0.25


def hash_rows(rows: np.ndarray, salts: np.ndarray | None = None) -> np.ndarray:
    """A hash of each row's four coordinates (x0, y0, x1, y1) and its salt (e.g. its class):
    a multiply-xorshift mix of the coordinates' bit patterns."""
    bits = np.ascontiguousarray(rows).view(np.uint64)
    h = np.full(len(rows), np.uint64(0xCBF29CE484222325))
    if salts is not None:
        h ^= salts.astype(np.uint64)
    for k in range(4):
        h ^= bits[:, k]
        h *= np.uint64(0x100000001B3)
        h ^= h >> np.uint64(29)
    return h


def run_boxes(rows: np.ndarray, picked: np.ndarray) -> np.ndarray:
    """Padded boxes of the runs of ``picked`` segments that follow one another along a ring.

    Consecutive segments of a run share an endpoint, so their padded boxes overlap and
    merge_boxes would join them anyway; joining them here first leaves it a few boxes per
    run of the front instead of one per segment (the result is the same)."""
    if len(picked) == 0:
        return np.empty((0, 4))
    seg = rows[picked]
    lo = np.minimum(seg[:, :2], seg[:, 2:]) - WINDOW_PAD
    hi = np.maximum(seg[:, :2], seg[:, 2:]) + WINDOW_PAD
    prev, cur = seg[:-1], seg[1:]
    touch = (
        (prev[:, :2] == cur[:, :2]).all(axis=1)
        | (prev[:, :2] == cur[:, 2:]).all(axis=1)
        | (prev[:, 2:] == cur[:, :2]).all(axis=1)
        | (prev[:, 2:] == cur[:, 2:]).all(axis=1)
    )
    starts = np.flatnonzero(np.concatenate([[True], ~((np.diff(picked) == 1) & touch)]))
    return np.column_stack(
        [
            np.minimum.reduceat(lo[:, 0], starts),
            np.minimum.reduceat(lo[:, 1], starts),
            np.maximum.reduceat(hi[:, 0], starts),
            np.maximum.reduceat(hi[:, 1], starts),
        ]
    )


def _find(parent: list[int], i: int) -> int:
    """Union-find root with path halving."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


#: Up to this many boxes their groups come from an n×n overlap matrix (a pair a day's change
#: windows make a dozen; the index tree costs more than the matrix below a few hundred).
MATRIX_BOXES = 256


def merge_boxes(boxes: np.ndarray) -> np.ndarray:
    """Merge overlapping (xmin, ymin, xmax, ymax) boxes into the bounding boxes of their
    connected groups, repeatedly, until no two boxes overlap."""
    while True:
        n = len(boxes)
        labels = _group_labels(boxes)
        groups, inverse = np.unique(labels, return_inverse=True)
        if len(groups) == n:
            return boxes
        out = np.empty((len(groups), 4))
        out[:, :2] = np.inf
        out[:, 2:] = -np.inf
        np.minimum.at(out[:, 0], inverse, boxes[:, 0])
        np.minimum.at(out[:, 1], inverse, boxes[:, 1])
        np.maximum.at(out[:, 2], inverse, boxes[:, 2])
        np.maximum.at(out[:, 3], inverse, boxes[:, 3])
        boxes = out


def _group_labels(boxes: np.ndarray) -> np.ndarray:
    """Each box's group: the least index of the boxes it is connected to through boxes that
    meet (closed boxes: touching counts)."""
    n = len(boxes)
    if n <= MATRIX_BOXES:
        meet = boxes_meet(boxes)
        labels = np.arange(n)
        while True:  # each box takes the least label among those it meets, until none moves
            fresh = np.where(meet, labels[None, :], n).min(axis=1)
            if (fresh == labels).all():
                return labels
            labels = fresh
    geoms = shapely.box(boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3])
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    parent = list(range(n))
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        ri, rj = _find(parent, i), _find(parent, j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    return np.array([_find(parent, i) for i in range(n)])
