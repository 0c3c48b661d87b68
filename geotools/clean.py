"""Repairs: drop Z, keep polygonal parts, make_valid, dissolve per status class."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from geotools.memo import MAX_KEY_BYTES, HeldMemo, Memo, answers, register
from geotools.snapshot import RepairReport

_POLYGONAL = {"Polygon", "MultiPolygon"}


def polygon_parts(geoms: np.ndarray, report: RepairReport) -> tuple[np.ndarray, np.ndarray]:
    """Explode geometries (recursively through collections) into Polygons.

    Returns the polygons and, for each, the index of the input geometry it came from.
    Points and lines are counted in ``report.non_polygonal_dropped``, never kept.
    """
    idx = np.arange(len(geoms))
    parts = geoms
    while True:
        types = shapely.get_type_id(parts)
        multi = np.isin(types, (4, 5, 6, 7))  # Multi* and GeometryCollection
        if not multi.any():
            break
        sub, sub_idx = shapely.get_parts(parts[multi], return_index=True)
        keep = ~multi
        parts = np.concatenate([parts[keep], sub])
        idx = np.concatenate([idx[keep], idx[multi][sub_idx]])
    types = shapely.get_type_id(parts)
    is_poly = types == 3
    dropped = Counter(shapely.get_type_id(parts[~is_poly & ~shapely.is_empty(parts)]).tolist())
    names = {0: "Point", 1: "LineString", 2: "LinearRing"}
    for tid, n in dropped.items():
        name = names.get(int(tid), f"type{tid}")
        report.non_polygonal_dropped[name] = report.non_polygonal_dropped.get(name, 0) + int(n)
    keep = is_poly & ~shapely.is_empty(parts)
    return parts[keep], idx[keep]


def clean_geometries(
    geoms: np.ndarray,
    statuses: np.ndarray,
    *,
    union: Callable[[np.ndarray], shapely.Geometry] = shapely.union_all,
) -> tuple[dict[str, shapely.Geometry], RepairReport]:
    """Clean an array of geometries and dissolve them to one geometry per status class.

    Null and empty geometries are skipped, Z/M dropped, non-polygonal parts counted and
    dropped, invalid polygons repaired with ``make_valid`` (structure method: bow-ties become
    their lobes, nothing is lost), and what make_valid collapses to lines is counted.
    ``union`` dissolves the valid polygons of one class (big files: the disjoint-subset
    union, geotools.dissolve).
    """
    geoms, statuses, report = _present_2d(geoms, statuses)
    # Fast path: one valid (Multi)Polygon per status (e.g. a flattened export) is already
    # dissolved; counting its parts is all that is left to do.
    kinds = set(shapely.get_type_id(geoms).tolist())
    if (
        kinds <= {3, 6}
        and len(set(statuses.tolist())) == len(geoms)
        and shapely.is_valid(geoms).all()
    ):
        report.polygon_parts = int(shapely.get_num_geometries(geoms).sum())
        return {str(s): g for s, g in zip(statuses, geoms, strict=True)}, report
    parts, part_status, keys = _clean_parts(geoms, statuses, report, union is shapely.union_all)
    dissolved = dissolve_parts(parts, part_status, keys, union)
    return dissolved, report


def _present_2d(
    geoms: np.ndarray, statuses: np.ndarray
) -> tuple[np.ndarray, np.ndarray, RepairReport]:
    """The present (not null, not empty) geometries in 2-D, their statuses, and the report
    counting what was skipped or dropped."""
    geoms, statuses, report = _present(geoms, statuses)
    return _in_2d(geoms, report), statuses, report


def _in_2d(geoms: np.ndarray, report: RepairReport) -> np.ndarray:
    """``geoms`` without Z and M, when the report counts some to drop."""
    return shapely.force_2d(geoms) if report.z_dropped or report.m_dropped else geoms


def _present(
    geoms: np.ndarray, statuses: np.ndarray
) -> tuple[np.ndarray, np.ndarray, RepairReport]:
    """The present geometries as they are, their statuses, and the report (what was skipped;
    the Z and M to drop)."""
    report = RepairReport(features=len(geoms))
    geoms = np.asarray(geoms, dtype=object)
    statuses = np.asarray(statuses, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    report.null_geometries = int((~present).sum())
    geoms, statuses = geoms[present], statuses[present]
    report.z_dropped = int(shapely.has_z(geoms).sum())
    if hasattr(shapely, "has_m"):
        report.m_dropped = int(shapely.has_m(geoms).sum())
    return geoms, statuses, report


def clean_parts(
    geoms: np.ndarray, statuses: np.ndarray, checked: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, RepairReport]:
    """The cleaning of clean_geometries without the dissolve: the valid Polygons of the
    geometries (repaired as there), each one's status, their WKB (None when too many to
    memoise: part_keys) and the report (issue 20: a disjoint profile's snapshot is kept as
    its parts, geotools.parts).

    ``checked=False`` is for a caller that checks each polygon's validity itself, once, where
    it measures it (the loader, in the equal-area CRS, as a flattened file's classes are
    checked: geotools.read.repeats): the features that are (Multi)Polygons give their 2-D
    polygons unchecked, and no WKB (None); the caller takes ``checked=True`` when one of them
    proves invalid there and here too."""
    geoms, statuses, report = _present(geoms, statuses)
    done = _clean_repeated(geoms, statuses, report, checked)
    if done is not None:
        return done
    parts, part_status, keys = _clean_parts(_in_2d(geoms, report), statuses, report, True)
    return parts, part_status, keys, report


# --- issue 20: a raw DeepState day repeats most of its ~100 class features as the very objects
# the feature reader gave the day before (geotools.read.geojson_features); each one's cleaning
# is kept by its identity, so only the new ones are made 2-D, cut into parts, encoded and
# checked (0.46 s of a serial raw year went to doing it for all of them every day) ---
@dataclass(frozen=True)
class _Cleaned:
    """One feature's cleaning: whether it is simple (a Polygon, or a MultiPolygon of Polygons,
    every part valid), whether it is a MultiPolygon, and its non-empty 2-D parts with their
    WKB."""

    simple: bool
    multi: bool = False
    parts: tuple[shapely.Geometry, ...] = ()
    keys: tuple[bytes, ...] = ()


_NOT_SIMPLE = _Cleaned(False)
#: A present feature's cleaning, by its geometry object (geotools.memo.HeldMemo); as many as
#: the feature reader keeps (geotools.read.geojson_features), whose objects are the ones found.
_CLEANED: HeldMemo[_Cleaned] = HeldMemo(2048)


class _Repetition:
    """Whether features come back as the same objects from call to call in this process. The
    memo pays only where they do (the feature reader's, on DeepState's raw days); elsewhere it
    would clean every feature one by one and keep it for nothing. A call that finds fewer than
    half of its features kept sends the next 1, 2, 4… calls (at most MAX_SKIPPED_CALLS) the
    general way; then one call fills the memo again and the next looks again."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """As in a new process: the next call fills the memo."""
        self.fill, self.skip, self.wait = True, 0, 1


_REPETITION = register(_Repetition())
#: At most this many calls in a row go the general way (a notebook that reads raw DeepState
#: days after other sources finds the memo again within this many snapshots).
MAX_SKIPPED_CALLS = 64


def _clean_one(geom: shapely.Geometry, checked: bool = True) -> _Cleaned:
    """One present feature's cleaning (_Cleaned), as the general path cleans it; unless
    ``checked``, its parts' validity is not checked and they have no WKB (clean_parts)."""
    kind = int(shapely.get_type_id(geom))
    if kind not in (3, 6):
        return _NOT_SIMPLE
    flat = shapely.force_2d(geom)
    parts = np.asarray([flat], dtype=object) if kind == 3 else shapely.get_parts(flat)
    parts = parts[~shapely.is_empty(parts)]
    if not checked:
        return _Cleaned(True, kind == 6, tuple(parts.tolist()))
    keys = np.empty(len(parts), dtype=object)
    keys[:] = shapely.to_wkb(parts).tolist()
    if not _valid(parts, keys).all():  # a part seen before (another feature's): not again
        return _NOT_SIMPLE
    return _Cleaned(True, kind == 6, tuple(parts.tolist()), tuple(keys.tolist()))


def _clean_repeated(
    geoms: np.ndarray, statuses: np.ndarray, report: RepairReport, checked: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, RepairReport] | None:
    """clean_parts of present features (``_present``, with its report) that are all simple
    (_Cleaned), each one's cleaning through the memo: the same parts, in the same order
    (every single polygon, then the MultiPolygons' parts, as polygon_parts explodes them),
    statuses, WKB (None unless ``checked``: clean_parts) and report. None, the report
    untouched, when a feature is not simple, there are too many parts to memoise
    (part_keys), or features do not come back in this process (_Repetition): then the
    general path."""
    rep = _REPETITION
    if rep.skip:
        rep.skip -= 1
        return None
    items = geoms.tolist()
    if (
        not items
        or len(items) > MAX_MEMO_PARTS
        or int(shapely.get_num_coordinates(geoms).sum()) * 16 > MAX_KEY_BYTES
    ):
        return None  # nothing to keep, or too much (part_keys)
    held = [_CLEANED.peek((geom,), checked) for geom in items]
    kept = sum(h is not None for h in held)
    if 2 * kept < len(items) and not rep.fill:
        rep.fill, rep.skip, rep.wait = True, rep.wait, min(2 * rep.wait, MAX_SKIPPED_CALLS)
        return None
    rep.fill = False
    if 2 * kept >= len(items):
        rep.wait = 1
    lists: tuple[list[Any], list[Any]] = ([], [])  # (single, multi): parts, keys, statuses
    keys: tuple[list[bytes], list[bytes]] = ([], [])
    named: tuple[list[object], list[object]] = ([], [])
    for geom, status, done in zip(items, statuses.tolist(), held, strict=True):
        if done is None:
            done = _clean_one(geom, checked)
            _CLEANED.put((geom,), done, checked)
        if not done.simple:
            return None
        k = int(done.multi)
        lists[k].extend(done.parts)
        keys[k].extend(done.keys)
        named[k].extend([status] * len(done.parts))
    n = len(lists[0]) + len(lists[1])
    if n > MAX_MEMO_PARTS:
        return None
    parts = np.fromiter(lists[0] + lists[1], dtype=object, count=n)
    part_status = np.empty(n, dtype=object)
    part_status[:] = named[0] + named[1]
    wkb = np.fromiter(keys[0] + keys[1], dtype=object, count=n) if checked else None
    report.polygon_parts = n
    return parts, part_status, wkb, report


# --- end ---


def _clean_parts(
    geoms: np.ndarray, statuses: np.ndarray, report: RepairReport, memo: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Polygons of 2-D geometries, invalid ones repaired; with ``memo`` their WKB keys."""
    parts, src = polygon_parts(geoms, report)
    part_status = statuses[src]
    # --- issue 20: validity and each class's union are memoised by the parts' WKB (the same
    # parts as in an earlier snapshot of the run give the result computed then: geotools.memo)
    keys = part_keys(parts) if memo else None  # not a big file's batch
    invalid = ~_valid(parts, keys)
    report.invalid_repaired = int(invalid.sum())
    if invalid.any():
        fixed = np.array([_fix_rings(p, report) for p in parts[invalid]], dtype=object)
        sub, sub_idx = polygon_parts(fixed, RepairReport())
        report.collapsed_parts = int(
            (shapely.is_empty(fixed) | ~np.isin(shapely.get_type_id(fixed), (3, 6, 7))).sum()
        )
        parts = np.concatenate([parts[~invalid], sub])
        part_status = np.concatenate([part_status[~invalid], part_status[invalid][sub_idx]])
        if keys is not None:
            keys = np.concatenate([keys[~invalid], part_keys(sub, force=True)])
    report.polygon_parts = len(parts)
    return parts, part_status, keys


def dissolve_parts(
    parts: np.ndarray,
    part_status: np.ndarray,
    keys: np.ndarray | None,
    union: Callable[[np.ndarray], shapely.Geometry] = shapely.union_all,
) -> dict[str, shapely.Geometry]:
    """One geometry per status: the union of its parts (memoised by the parts' WKB when
    ``keys`` are given)."""
    dissolved: dict[str, shapely.Geometry] = {}
    for status in sorted(set(part_status.tolist())):
        members = part_status == status
        chosen = parts[members]
        if keys is None:
            dissolved[str(status)] = polygonal(union(chosen))
            continue
        key = (union, tuple(keys[members].tolist()))
        dissolved[str(status)] = _CLASSES.get(key, _dissolve, chosen, keys[members], union)
    return dissolved


#: Per process (geotools.memo): a part's validity by its WKB; a class's dissolved geometry,
#: and each of its clusters', by the union function and the parts' WKB, in order.
_VALID: Memo[bool] = register(Memo(2048))
_CLASSES: Memo[shapely.Geometry] = register(Memo(64))
_CLUSTERS: Memo[shapely.Geometry] = register(Memo(1024))


def _dissolve(
    parts: np.ndarray, keys: np.ndarray, union: Callable[[np.ndarray], shapely.Geometry]
) -> shapely.Geometry:
    """The union of one class's parts, cluster by cluster: parts that touch (directly or
    through others) are dissolved together, and clusters that touch nothing else are apart,
    so the territory is the collection of the clusters' unions. Each cluster's union is
    memoised: a day that redraws one of DeepState's 60-odd liberated layers dissolves only
    the cluster that layer is in (about 20 clusters a day in 2024)."""
    if len(parts) <= 1:
        return polygonal(union(parts))
    clusters = touching_clusters(parts, keys)
    if len(clusters) == 1:
        return polygonal(union(parts))
    unions: list[shapely.Geometry] = []
    for members in clusters:
        key = (union, tuple(keys[members].tolist()))
        unions.append(_CLUSTERS.get(key, _union_of, parts[members], union))
    out = shapely.multipolygons(shapely.get_parts(np.asarray(unions, dtype=object)))
    _ASSEMBLED.put((out,), tuple(unions))
    return out


#: A dissolved class made of apart clusters, by its object's identity: the clusters' unions
#: it was assembled from, in order.
_ASSEMBLED: HeldMemo[tuple[shapely.Geometry, ...]] = HeldMemo(64)


def clusters_of(geom: shapely.Geometry) -> tuple[shapely.Geometry, ...] | None:
    """The unions of the apart clusters ``geom`` was assembled from by the dissolve (its
    parts are theirs, in order), or None when it was not (issue 20: a day that moves one
    cluster projects and checks only that one, geotools.read.loader)."""
    return _ASSEMBLED.peek((geom,))


def _union_of(
    parts: np.ndarray, union: Callable[[np.ndarray], shapely.Geometry]
) -> shapely.Geometry:
    return polygonal(union(parts))


def _is_valid(part: shapely.Geometry) -> bool:
    return bool(shapely.is_valid(part))


def touching_clusters(parts: np.ndarray, keys: np.ndarray | None = None) -> list[np.ndarray]:
    """The indexes of ``parts`` grouped into clusters of parts that intersect (directly or
    through other parts), each in ascending order, the clusters by their first index.

    With ``keys`` (the parts' WKB) each pair's ``intersects`` is memoised (issue 20: a raw
    DeepState day tests ~170 pairs of liberated layers, nearly all the day before's)."""
    tree = shapely.STRtree(parts)
    if keys is None:
        left, right = tree.query(parts, predicate="intersects")
    else:
        left, right = _touching_pairs(parts, keys, *tree.query(parts))
    root = np.arange(len(parts))

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = int(root[i])
        return i

    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        a, b = find(i), find(j)
        if a != b:
            root[max(a, b)] = min(a, b)
    labels = np.array([find(i) for i in range(len(parts))])
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    return [np.sort(group) for group in np.split(order, bounds)]


def boxes_meet(bounds: np.ndarray) -> np.ndarray:
    """The n×n matrix of which (xmin, ymin, xmax, ymax) boxes meet (closed: touching counts)."""
    x0, y0, x1, y1 = bounds[:, 0], bounds[:, 1], bounds[:, 2], bounds[:, 3]
    meet = (x0[:, None] <= x1[None, :]) & (x0[None, :] <= x1[:, None])
    meet &= (y0[:, None] <= y1[None, :]) & (y0[None, :] <= y1[:, None])
    return meet


#: Per process (geotools.memo): whether two parts intersect, by their WKB (the pair in order).
_TOUCH: Memo[bool] = register(Memo(4096))


def _touching_pairs(
    parts: np.ndarray, keys: np.ndarray, left: np.ndarray, right: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The pairs (i < j) of the boxes' candidate pairs whose parts intersect, the predicate
    looked up in the memo and computed (in one call) for the pairs it lacks."""
    pick = left < right
    left, right = left[pick], right[pick]
    pair_keys = [(keys[i], keys[j]) for i, j in zip(left.tolist(), right.tolist(), strict=True)]
    found = answers(
        pair_keys,
        _TOUCH.peek,
        _TOUCH.put,
        lambda idx: shapely.intersects(parts[left[idx]], parts[right[idx]]),
    )
    return left[found], right[found]


#: More polygon parts than this in one file are dissolved without the memos (one union_all):
#: DeepState's raw map has about 100; a file of thousands of small features gains nothing.
MAX_MEMO_PARTS = 2000


def part_keys(parts: np.ndarray, force: bool = False) -> np.ndarray | None:
    """The WKB of each part (the memos' keys); None when there are too many parts or bytes
    to keep, unless ``force``."""
    if not force and (
        len(parts) > MAX_MEMO_PARTS
        or int(shapely.get_num_coordinates(parts).sum()) * 16 > MAX_KEY_BYTES
    ):
        return None
    keys = np.empty(len(parts), dtype=object)
    keys[:] = list(shapely.to_wkb(parts)) if len(parts) else []
    return keys


def _valid(parts: np.ndarray, keys: np.ndarray | None) -> np.ndarray:
    """shapely.is_valid of each part, through the memo when the parts have keys."""
    if keys is None:
        return np.asarray(shapely.is_valid(parts), dtype=bool)
    out = np.empty(len(parts), dtype=bool)
    for i, (part, key) in enumerate(zip(parts, keys, strict=True)):
        out[i] = _VALID.get(key, _is_valid, part)
    return out


def _fix_rings(poly: shapely.Polygon, report: RepairReport) -> shapely.Geometry:
    """A valid geometry for an invalid polygon that never holds more than its exterior.

    make_valid's structure method keeps a hole that lies outside its shell as territory of
    its own (a 10 km square with a 5 km "hole" beside it became 150 km²). Here each ring is
    made valid on its own and a hole only cuts what lies inside the exterior; a hole that
    holds the exterior means the rings came in the wrong order (the largest ring is then the
    exterior). Both are counted in the report.
    """
    rings = [poly.exterior, *poly.interiors]
    shapes = [
        polygonal(shapely.make_valid(shapely.Polygon(r), method="structure", keep_collapsed=False))
        for r in rings
    ]
    outer, holes = shapes[0], shapes[1:]
    if holes and any(shapely.covers(h, outer) and not shapely.is_empty(outer) for h in holes):
        report.rings_reordered += 1
        k = int(np.argmax([shapely.area(s) for s in shapes]))
        outer, holes = shapes[k], shapes[:k] + shapes[k + 1 :]
    cut = []
    for hole in holes:
        if not shapely.covers(outer, hole):
            report.holes_outside += 1
        cut.append(shapely.intersection(hole, outer))
    if not cut:
        return outer
    return polygonal(shapely.difference(outer, shapely.union_all(cut)))


def polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygonal part of a geometry as a (Multi)Polygon (empty MultiPolygon if none)."""
    if geom is None or shapely.is_empty(geom):
        return shapely.MultiPolygon()
    if geom.geom_type in _POLYGONAL:
        return geom
    polys = [p for p in shapely.get_parts(geom) if p.geom_type in _POLYGONAL]
    if not polys:
        return shapely.MultiPolygon()
    return shapely.union_all(polys)


def revalidate(geom: shapely.Geometry) -> tuple[shapely.Geometry, bool]:
    """make_valid again (e.g. after projection); returns the geometry and whether it changed."""
    if shapely.is_valid(geom):
        return geom, False
    return polygonal(shapely.make_valid(geom, method="structure", keep_collapsed=False)), True
