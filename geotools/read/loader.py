"""The Snapshot loader: one dated file → read, classified, cleaned, dissolved and projected
to the equal-area CRS (through the parsed-snapshot cache)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS

from geotools import cache
from geotools.clean import (
    boxes_meet,
    clean_geometries,
    clean_parts,
    clusters_of,
    dissolve_parts,
    revalidate,
)
from geotools.crs import (
    WGS84,
    choose_equal_area_crs,
    lonlat_bounds,
    project,
    require_equal_area,
    wkt,
)
from geotools.errors import DataError, GeotoolsError
from geotools.memo import HeldMemo
from geotools.parts import Parts
from geotools.read.batches import is_big
from geotools.read.big import dissolve_big
from geotools.read.checks import check_coordinates
from geotools.read.files import stem
from geotools.read.options import ReadOptions, as_options
from geotools.read.raw import read_raw
from geotools.read.ref import SnapshotRef
from geotools.read.refs import resolve_refs
from geotools.read.repeats import project_valid
from geotools.read.sniff import check_plain, settle
from geotools.snapshot import ClassReport, Geometries, RepairReport, Snapshot, made_geometries
from geotools.sources.profile import Profile, classify, with_unions
from geotools.sources.profile import settle as settle_classes

log = logging.getLogger(__name__)


def _extent(
    dissolved: dict[str, shapely.Geometry], src: CRS
) -> tuple[float, float, float, float] | None:
    bounds = [lonlat_bounds(g, src) for g in dissolved.values() if not shapely.is_empty(g)]
    if not bounds:
        return None
    b = np.array(bounds)
    return (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max()))


def _default_crs(src: CRS, extent: tuple[float, float, float, float] | None) -> CRS:
    """The file's own CRS when it is already equal-area (no reprojection), else LAEA on the data."""
    if src.is_projected:
        try:
            require_equal_area(src, extent)
            return src
        except GeotoolsError:
            pass
    if extent is None:
        return CRS.from_epsg(6933)  # an empty snapshot: any equal-area CRS measures its 0 km²
    return choose_equal_area_crs(extent)


def load_snapshot(
    ref: SnapshotRef,
    /,
    *,
    options: ReadOptions | None = None,
    use_cache: bool = True,
    warn_empty: bool = True,
    cache_key: str | None = None,
) -> Snapshot:
    """Read, clean, dissolve and project one file into a Snapshot.

    ``options.crs`` is the equal-area target (chosen from the data when None); a
    ``status_field`` names a property whose values are the status classes, else every feature
    counts as ``status``; a ``profile`` sorts the features into its status classes instead
    (see geotools.sources.profile). With ``use_cache`` the parsed result is kept in the cache,
    keyed by the file's bytes and the options (``cache_key``: the caller's key, when it has it).

    Examples
    --------
    >>> ref = resolve_refs(["20240801.geojson.gz"])[0]  # doctest: +SKIP
    >>> load_snapshot(ref, options=ReadOptions(crs="EPSG:3035"))  # doctest: +SKIP
    """
    opts = as_options(options)
    if not use_cache:
        return parse_snapshot(ref, opts, warn_empty)
    key = cache_key or snapshot_cache_key(ref, opts)
    hit = cache.load_parsed(key)
    snap = _from_entry(ref, opts, hit, warn_empty) if hit is not None else None
    if snap is not None:
        return snap
    snap = parse_snapshot(ref, opts, warn_empty)
    meta = {
        "crs": wkt(snap.crs),
        "m2_per_unit": snap.m2_per_unit,
        "repairs": snap.repairs.as_dict(),
        "classes": snap.classes.as_dict() if snap.classes is not None else None,
    }
    if snap.parts is not None:  # kept as its parts (issue 20), each with its class
        meta["parts"] = snap.parts.statuses.tolist()
        blobs = {PARTS_BLOB: snap.parts.wkb()}
    else:
        made = made_geometries(snap.geometries)  # a union not made is stored as its members
        unions = dict(opts.profile.unions) if opts.profile is not None else {}
        # unions not made yet are stored as their members' names, made when read (issue 20)
        meta["pending"] = {name: list(unions[name]) for name in snap.geometries if name not in made}
        blobs = {k: shapely.to_wkb(g) for k, g in made.items()}
    cache.store_parsed(key, meta, blobs)
    return snap


#: The blob of a parsed-cache entry that holds a snapshot's parts (a GeometryCollection of
#: its polygons, in order; their classes are the entry's ``parts``).
PARTS_BLOB = "parts"


def _from_entry(
    ref: SnapshotRef,
    opts: ReadOptions,
    hit: tuple[dict[str, Any], dict[str, bytes]],
    warn_empty: bool,
) -> Snapshot | None:
    """The snapshot of a parsed-cache entry; None when the entry does not fit what it says
    (then it is parsed again)."""
    meta, blobs = hit
    held: Parts | None = None
    if meta.get("parts") is not None:  # issue 20: the parts; the classes are made when read
        held = _stored_parts(meta["parts"], blobs.get(PARTS_BLOB), opts.profile)
        if held is None or opts.profile is None:
            return None
        geometries: dict[str, shapely.Geometry] = classes_of_parts(opts.profile, held)
    else:
        made = {k: shapely.from_wkb(v) for k, v in blobs.items()}
        # a union not made when the entry was written is pending again (issue 20)
        geometries = with_unions(meta.get("pending") or {}, made)
    if warn_empty and meta["repairs"].get("features") == 0:
        log.warning("%s has no features: read as an empty snapshot (no territory)", ref.path)
    return Snapshot(
        date=ref.date,
        source=str(ref.path),
        crs=CRS.from_wkt(meta["crs"]),
        geometries=geometries,
        repairs=RepairReport(**meta["repairs"]),
        m2_per_unit=float(meta["m2_per_unit"]),
        classes=ClassReport(**meta["classes"]) if meta.get("classes") else None,
        parts=held,
    )


def _stored_parts(statuses: list[str], blob: bytes | None, profile: Profile | None) -> Parts | None:
    """The parts of a cache entry written from a snapshot kept as parts; None when they do
    not match their classes."""
    if blob is None or profile is None:
        return None
    geoms = shapely.get_parts(shapely.from_wkb(blob))
    if len(geoms) != len(statuses) or not set(statuses) <= set(profile.classes):
        return None
    found = np.empty(len(statuses), dtype=object)
    found[:] = statuses
    return Parts.of(geoms, found, profile.classes)


def snapshot_cache_key(ref: SnapshotRef, options: ReadOptions) -> str:
    """Cache key of a parsed snapshot: the file's (files') bytes and every option that
    shapes it. A disjoint profile's snapshot is stored as its parts (issue 20): its key says
    so, so that a geotools that stored its classes never reads such an entry, nor this one
    theirs."""
    parts = "".join(f"|part:{cache.file_digest(p)}" for p in ref.parts)
    profile = options.profile
    kept = PARTS_FORMAT if profile is not None and profile.disjoint else ""
    return cache.snapshot_key(ref.path, options.cache_text() + parts + kept)


#: In the key of a snapshot stored as its parts (a GeometryCollection blob, not classes).
PARTS_FORMAT = "|stored-as:parts-2"  # 2: the features' polygons


def parse_snapshot(ref: SnapshotRef, options: ReadOptions, warn_empty: bool = True) -> Snapshot:
    """Read, classify, clean, dissolve and project one snapshot's file(s) (no cache)."""
    try:
        return _parse(ref, options, warn_empty, checked=False)
    except _RecheckError:  # a polygon invalid where it is measured, and in its file: repaired there
        return _parse(ref, options, warn_empty, checked=True)


class _RecheckError(Exception):
    """A disjoint profile's polygon that is invalid in the equal-area CRS is invalid in its
    file's CRS too: the snapshot is read again with the polygons checked (and repaired) in
    the file's CRS first (clean_parts), as the plain pipeline repairs them."""


def _parse(ref: SnapshotRef, options: ReadOptions, warn_empty: bool, checked: bool) -> Snapshot:
    """parse_snapshot; ``checked``: a disjoint profile's polygons are checked in the file's
    CRS (else only where they are measured, until one proves invalid there: _RecheckError)."""
    path = ref.path
    crs, profile, force_crs = options.crs, options.profile, options.force_crs
    status_field, status = options.status_field, options.status
    classes: ClassReport | None = None
    big = profile is None and is_big(path, ref.layer)  # issue 16: read batch by batch
    if big:
        dissolved, report, src = dissolve_big(path, ref.layer, options)
    elif profile is not None:
        geometries, statuses, classes, src, m_dropped, features = _read_profiled(ref, profile)
    else:
        raw = read_raw(path, ref.layer, [status_field] if status_field else [])
        src = _source_crs(path, raw.crs)
        check_coordinates(path, raw.geometries, src)
        check_plain(path, ref.layer, raw, options)
        geometries, m_dropped, features = raw.geometries, raw.m_dropped, len(raw.geometries)
        if status_field:
            values = raw.attributes[status_field]
            statuses = np.array(
                ["unknown" if v is None else str(v).strip() for v in values], dtype=object
            )
        else:
            statuses = np.full(len(raw.geometries), status, dtype=object)
    if not big and profile is None and _already_clean(geometries, statuses):
        fast = _project_clean(ref, geometries, statuses, src, crs, force_crs)
        if fast is not None:
            fast.repairs.m_dropped += m_dropped
            return fast
    as_parts = not big and profile is not None and profile.disjoint
    if as_parts:  # issue 20: kept as parts (geotools.parts), dissolved only when read
        parts, part_status, _, report = clean_parts(geometries, statuses, checked)
        report.m_dropped += m_dropped
    elif not big:
        dissolved, report = clean_geometries(geometries, statuses)
        report.m_dropped += m_dropped
    if profile is not None:
        report.features = features
        if report.polygon_parts == 0 and report.features:
            assert classes is not None
            raise DataError(
                f"no feature is in a status class of profile {profile.name!r} "
                f"({classes.summary()}); check the profile (--profile)",
                path,
            )
    if report.features == 0:
        if warn_empty:
            log.warning("%s has no features: read as an empty snapshot (no territory)", path)
    elif report.polygon_parts == 0:
        dropped = report.summary()
        raise DataError(
            f"has no polygons ({dropped}); geotools measures areas: use a polygon layer"
            + (" (pass --layer)" if ref.layer is None else ""),
            path,
        )
    if as_parts:  # the features' polygons, projected one by one, kept as parts
        assert profile is not None
        extent = _parts_extent(parts, part_status, src)
        if crs is None:
            crs = _default_crs(src, extent)
        m2_per_unit = require_equal_area(crs, extent, force=force_crs)
        held = _feature_parts(parts, part_status, src, crs, profile.classes, report, checked)
        log.debug("%s: %s", path, report.summary())
        return Snapshot(
            date=ref.date,
            source=str(path),
            crs=crs,
            geometries=classes_of_parts(profile, held),
            repairs=report,
            m2_per_unit=m2_per_unit,
            classes=classes,
            parts=held,
        )
    extent = _extent(dissolved, src)
    if crs is None:
        crs = _default_crs(src, extent)
    m2_per_unit = require_equal_area(crs, extent, force=force_crs)
    projected: dict[str, shapely.Geometry] = {}
    for name in list(dissolved):  # popped: one copy of a big territory at a time (issue 16)
        geom, changed = _projected(dissolved.pop(name), src, crs)
        report.invalid_after_projection += int(changed)
        projected[name] = geom
    if profile is not None:  # in the equal-area CRS, so the classes stay disjoint there
        projected = settle_classes(profile, projected)
    log.debug("%s: %s", path, report.summary())
    return Snapshot(
        date=ref.date,
        source=str(path),
        crs=crs,
        geometries=projected,
        repairs=report,
        m2_per_unit=m2_per_unit,
        classes=classes,
    )


# --- issue 20: a class (or a cluster of one) the clean step gave back from its memo (the very
# same geometry object as an earlier snapshot's: geotools.memo) is projected and checked once
_PROJECTED: HeldMemo[tuple[shapely.Geometry, bool]] = HeldMemo(256)


def _projected(geom: shapely.Geometry, src: CRS, crs: CRS) -> tuple[shapely.Geometry, bool]:
    """``geom`` projected from ``src`` to ``crs`` and made valid there, and whether that
    changed it; memoised by the object's identity. A class the dissolve assembled from
    apart clusters is projected and checked cluster by cluster (the same coordinates: the
    projection works point by point), so a day that moves one cluster pays for that one;
    when a cluster needs repair, or two come to touch, the class is taken whole, as before."""
    clusters = clusters_of(geom)
    if clusters is not None and len(clusters) > 1:
        done = [_projected_one(c, src, crs) for c in clusters]
        outs = [out for out, _ in done]
        if not any(changed for _, changed in done) and _apart(outs):
            parts = shapely.get_parts(np.asarray(outs, dtype=object))  # in order
            return shapely.multipolygons(parts), False
    return _projected_one(geom, src, crs)


#: Whether two projected clusters intersect, by the objects' identities.
_MEET: HeldMemo[bool] = HeldMemo(1024)


def _apart(geoms: list[shapely.Geometry]) -> bool:
    """True when no two of ``geoms`` intersect (then valid ones form a valid MultiPolygon):
    only the pairs whose boxes meet are tested, each once (memoised by identity)."""
    meet = boxes_meet(shapely.bounds(np.asarray(geoms, dtype=object)))
    for i, j in zip(*np.nonzero(np.triu(meet, 1)), strict=True):
        a, b = geoms[int(i)], geoms[int(j)]
        if _MEET.get((a, b), _intersects, a, b):
            return False
    return True


def _intersects(a: shapely.Geometry, b: shapely.Geometry) -> bool:
    return bool(shapely.intersects(a, b))


def _projected_one(geom: shapely.Geometry, src: CRS, crs: CRS) -> tuple[shapely.Geometry, bool]:
    """``geom`` projected and made valid, memoised by the object's identity."""
    return _PROJECTED.get((geom,), _project_valid, geom, src, crs, extra=(src.srs, crs.srs))


def _project_valid(geom: shapely.Geometry, src: CRS, crs: CRS) -> tuple[shapely.Geometry, bool]:
    return revalidate(project(geom, src, crs))


# --- end ---


def _parts_extent(
    parts: np.ndarray, statuses: np.ndarray, src: CRS
) -> tuple[float, float, float, float] | None:
    """``_extent`` of the classes the parts dissolve into, from the parts' own bounds: a
    class's bounds are its parts' (a union adds no vertex beyond its inputs' extremes)."""
    if src.is_geographic and len(parts):  # issue 20: lon/lat bounds are the bounds
        b = shapely.bounds(parts)
        if not np.isnan(b).any():
            return (
                float(b[:, 0].min()),
                float(b[:, 1].min()),
                float(b[:, 2].max()),
                float(b[:, 3].max()),
            )
    boxes = {
        str(name): shapely.box(*shapely.total_bounds(parts[statuses == name]))
        for name in dict.fromkeys(statuses.tolist())
    }
    return _extent(boxes, src)


def _feature_parts(
    parts: np.ndarray,
    statuses: np.ndarray,
    src: CRS,
    crs: CRS,
    classes: Sequence[str],
    report: RepairReport,
    checked: bool = True,
) -> Parts:
    """A disjoint profile's snapshot as its parts (geotools.parts): the valid polygons of its
    features (clean_parts), projected one by one, with their classes and WKB. A polygon that
    is not valid once projected is repaired there (make_valid, counted in the report as
    ``invalid_after_projection``) and kept as the polygons that come out. A class's parts may
    overlap: they are dissolved where a class is made (classes_of_parts), in this CRS, as the
    plain pipeline (``to_crs``, then ``dissolve``) does.

    Issue 20: the classes were dissolved in the file's CRS and projected cluster by cluster
    for every raw day (1.8 s of a serial raw year, against 0.5 s so); each polygon's
    projection is memoised by its object, which the clean step gives back for a repeated
    feature. Unless ``checked`` (clean_parts), a polygon is checked once, in this CRS (a
    file's new polygons in one call): one that is invalid here and in its file's CRS too
    raises _RecheckError (parse_snapshot then repairs it there first, as the plain pipeline
    does)."""
    geoms: list[shapely.Geometry] = []
    keys: list[bytes] = []
    found: list[str] = []
    extra = (src.srs, crs.srs)
    listed = parts.tolist()
    done = [_PROJECTED_PARTS.peek((part,), extra) for part in listed]
    missed = [i for i, d in enumerate(done) if d is None]
    if missed:  # the new polygons projected in one call (pyproj's cost a call: issue 20)
        new = np.fromiter((listed[i] for i in missed), dtype=object, count=len(missed))
        moved = project(new, src, crs)
        valid = shapely.is_valid(moved).tolist()
        for i, out, ok in zip(missed, moved.tolist(), valid, strict=True):
            if not (ok or checked or shapely.is_valid(listed[i])):
                raise _RecheckError(str(i))
            settled = _settled_part(out, ok)
            done[i] = settled
            _PROJECTED_PARTS.put((listed[i],), settled, extra)
    for held_part, status in zip(done, statuses.tolist(), strict=True):
        assert held_part is not None
        out, wkb, repaired = held_part
        report.invalid_after_projection += int(repaired)
        geoms.extend(out)
        keys.extend(wkb)
        found.extend([status] * len(out))
    held = np.empty(len(geoms), dtype=object)
    held[:] = geoms
    named = np.empty(len(found), dtype=object)
    named[:] = found
    return Parts(held, named, keys, tuple(classes))


#: A polygon projected (the polygons of its repair, when it needed one), their WKB, and whether
#: it was repaired, by the polygon's identity.
_PROJECTED_PARTS: HeldMemo[tuple[list[shapely.Geometry], list[bytes], bool]] = HeldMemo(2048)


def _settled_part(
    projected: shapely.Geometry, valid: bool
) -> tuple[list[shapely.Geometry], list[bytes], bool]:
    """A projected polygon made valid there (the polygons of its repair, when it needed one:
    not ``valid``), their WKB, and whether it was repaired."""
    out, repaired = (projected, False) if valid else revalidate(projected)
    polys = [out] if out.geom_type == "Polygon" else shapely.get_parts(out).tolist()
    return polys, list(shapely.to_wkb(polys)), repaired


def classes_of_parts(profile: Profile, parts: Parts) -> Geometries:
    """A profile's classes (and unions) made from a snapshot's parts when first read: each
    class the union of its parts, made disjoint by precedence (sources.profile.settle)."""
    made: list[Geometries] = []

    def settled() -> Geometries:
        if not made:
            keys = np.empty(len(parts.keys), dtype=object)
            keys[:] = parts.keys
            dissolved = dissolve_parts(parts.geoms, parts.statuses, keys)
            made.append(settle_classes(profile, dissolved))
        return made[0]

    names = [*profile.classes, *dict(profile.unions)]
    return Geometries({}, {name: partial(_item, settled, name) for name in names})


def _item(make: Callable[[], Geometries], name: str) -> shapely.Geometry:
    return make()[name]


def _source_crs(path: Path, declared: CRS | None) -> CRS:
    if declared is None:
        log.info("%s declares no CRS; assuming WGS84 lon/lat", path)
        return WGS84
    return declared


def _read_profiled(
    ref: SnapshotRef, profile: Profile
) -> tuple[np.ndarray, np.ndarray, ClassReport, CRS, int, int]:
    """The features of a snapshot's file(s) in a profile's classes, classified file by file
    (each file's own name and layer), in the first file's CRS: geometries, statuses, the
    class report, that CRS, the features that had M dropped, and the features read."""
    geoms: list[np.ndarray] = []
    statuses: list[np.ndarray] = []
    report: ClassReport | None = None
    first: CRS | None = None
    m_dropped = features = 0
    for path in ref.paths:
        raw = read_raw(path, ref.layer, profile.properties, missing_ok=True)
        src = _source_crs(path, raw.crs)
        check_coordinates(path, raw.geometries, src)
        found, classes = classify(
            profile,
            raw.geometries,
            raw.attributes,
            src,
            path.name,
            ref.layer or raw.layer or stem(path),
        )
        log.debug("%s: %s", path, classes.summary())
        keep = np.isin(found, profile.classes)
        part = raw.geometries[keep]
        if first is None:
            first = src
        elif not src.equals(first):
            part = np.asarray([project(g, src, first) for g in part], dtype=object)
        geoms.append(part)
        statuses.append(found[keep])
        m_dropped += raw.m_dropped
        features += len(raw.geometries)
        if report is None:
            report = classes
        else:
            report.merge(classes)
    assert report is not None and first is not None
    return (
        np.concatenate(geoms) if geoms else np.empty(0, dtype=object),
        np.concatenate(statuses) if statuses else np.empty(0, dtype=object),
        report,
        first,
        m_dropped,
        features,
    )


def _already_clean(geoms: np.ndarray, statuses: np.ndarray) -> bool:
    """One non-empty 2-D (Multi)Polygon per status (a flattened export): nothing to dissolve."""
    return (
        len(geoms) > 0
        and len(set(statuses.tolist())) == len(geoms)
        and bool(np.isin(shapely.get_type_id(geoms), (3, 6)).all())
        and not bool(shapely.is_empty(geoms).any())
        and not bool(shapely.has_z(geoms).any())
        and not (hasattr(shapely, "has_m") and bool(shapely.has_m(geoms).any()))
    )


def _project_clean(
    ref: SnapshotRef,
    geoms: np.ndarray,
    statuses: np.ndarray,
    src: CRS,
    crs: CRS | None,
    force_crs: bool,
) -> Snapshot | None:
    """Project first and check validity once, in the CRS the areas are measured in; None when
    a geometry is invalid there (the caller then takes the full repair route)."""
    pre = {str(s): g for s, g in zip(statuses, geoms, strict=True)}
    extent = _extent(pre, src)
    if crs is None:
        crs = _default_crs(src, extent)
    m2_per_unit = require_equal_area(crs, extent, force=force_crs)
    # --- issue 20 (flat-speed): a geometry repeated from the previous file, projected once ---
    projected = project_valid(pre, src, crs)
    if projected is None:
        return None
    # --- end ---
    report = RepairReport(
        features=len(geoms), polygon_parts=int(shapely.get_num_geometries(geoms).sum())
    )
    log.debug("%s: %s", ref.path, report.summary())
    return Snapshot(
        date=ref.date,
        source=str(ref.path),
        crs=crs,
        geometries=projected,
        repairs=report,
        m2_per_unit=m2_per_unit,
    )


def read_snapshots(
    inputs: Sequence[str | Path],
    /,
    *,
    options: ReadOptions | None = None,
    dates: Sequence[dt.date] | None = None,
) -> list[Snapshot]:
    """Read files / folders / globs into Snapshots sorted by date, all in one equal-area CRS.

    When ``options.crs`` is None the first snapshot's extent chooses it (see
    choose_equal_area_crs).

    Examples
    --------
    >>> snaps = read_snapshots(["A.geojson", "B.geojson"])  # doctest: +SKIP
    >>> opts = ReadOptions(profile="deepstate-raw")
    >>> raw = read_snapshots(["raw/"], options=opts)  # doctest: +SKIP
    """
    opts = settle(inputs, as_options(options))
    refs = resolve_refs(inputs, options=opts, dates=dates)
    snapshots: list[Snapshot] = []
    for ref in refs:
        snap = load_snapshot(ref, options=opts)
        opts = opts.with_crs(snap.crs)
        snapshots.append(snap)
    return snapshots
