"""The unit of series work: the measured change between two snapshots, per status and region.

A chunk of consecutive periods is computed by :func:`run_chunk`, in this process or in a worker
process; its results (:class:`PairResult`) are plain data, so the table assembled from them is
the same whatever the number of workers or chunks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import shapely
from pyproj import CRS

from geotools import cache
from geotools.diff import SegmentCache, diff_snapshots
from geotools.heap import freeze_inherited
from geotools.periods import Period
from geotools.read import ReadOptions, SnapshotRef, load_snapshot, snapshot_cache_key
from geotools.regions import RegionLayer, RegionSpec
from geotools.snapshot import Change, Snapshot
from geotools.transitions import TransitionResult, transition_matrix
from geotools.workers import worker_init


@dataclass
class StatusResult:
    """Areas (m²) of one status between two snapshots, with the region allocations."""

    status: str
    area_from_m2: float
    area_to_m2: float
    gained_m2: float
    lost_m2: float
    gained_by_region: dict[str, float] = field(default_factory=dict)
    lost_by_region: dict[str, float] = field(default_factory=dict)
    stock_from_by_region: dict[str, float] | None = None  # only where stocks start
    gained_wkb: bytes | None = None
    lost_wkb: bytes | None = None
    # area_to is area_from + gained − lost (Change.area_carried); both NaN where the pair left
    # them to the series, which carries them from its first pair (geotools.series)
    area_carried: bool = False

    def change(self, from_date: dt.date, to_date: dt.date) -> Change:
        """The Change (with polygons when they were kept)."""
        empty = shapely.MultiPolygon()
        return Change(
            status=self.status,
            from_date=from_date,
            to_date=to_date,
            gained=shapely.from_wkb(self.gained_wkb) if self.gained_wkb else empty,
            lost=shapely.from_wkb(self.lost_wkb) if self.lost_wkb else empty,
            area_from_m2=self.area_from_m2,
            area_to_m2=self.area_to_m2,
            gained_m2=self.gained_m2,
            lost_m2=self.lost_m2,
        )


@dataclass
class PairResult:
    """Everything a table row needs about one period's pair of snapshots."""

    from_date: dt.date
    to_date: dt.date
    statuses: list[StatusResult]
    transitions: list[TransitionResult] = field(default_factory=list)


@dataclass
class ChunkJob:
    """A run of consecutive periods, the files to read for it, and the settings."""

    periods: list[Period]
    refs: list[SnapshotRef]  # every file dated in the chunk's span (all are read and checked)
    crs_wkt: str
    options: ReadOptions  # in the run's CRS
    regions: RegionSpec | None
    keep_changes: bool
    stocks_at_start: bool  # allocate the first snapshot directly (the series' first chunk)
    transitions: bool = False  # also the transition matrix between status classes
    use_cache: bool = True


#: Region layers built in this process, keyed by content (the file's digest, its settings and
#: the CRS; a file edited in place is a new key), the most recent few: a notebook that
#: switches between layers keeps them, a long session does not grow. Workers forked after
#: the main process built a layer share it.
_REGION_LAYERS: OrderedDict[tuple[str, str | None, str | None, str, bool], RegionLayer] = (
    OrderedDict()
)
MAX_REGION_LAYERS = 4


def _layer_key(
    spec: RegionSpec, crs_wkt: str, use_cache: bool
) -> tuple[str, str | None, str | None, str, bool]:
    digest = cache.file_digest(spec.path, record=use_cache)  # (--no-cache: no index)
    return (digest, spec.region_field, spec.layer, crs_wkt, use_cache)


def region_layer(spec: RegionSpec, crs_wkt: str, use_cache: bool = True) -> RegionLayer:
    """The region layer of ``spec`` in a CRS, built once per process for the file's current
    content (and stored in the on-disk cache unless ``use_cache`` is False)."""
    key = _layer_key(spec, crs_wkt, use_cache)
    found = _REGION_LAYERS.get(key)
    if found is None:
        found = spec.build(CRS.from_wkt(crs_wkt), use_cache=use_cache)
        _REGION_LAYERS[key] = found
        while len(_REGION_LAYERS) > MAX_REGION_LAYERS:
            _REGION_LAYERS.popitem(last=False)
    else:
        _REGION_LAYERS.move_to_end(key)
    return found


def layer_built(spec: RegionSpec | None, crs_wkt: str, use_cache: bool = True) -> bool:
    """Whether this process holds the region layer already (or needs none)."""
    return spec is None or _layer_key(spec, crs_wkt, use_cache) in _REGION_LAYERS


#: In a worker process forked while the main process builds the region layer: the event
#: the main process sets once the layer is built and stored (start_worker).
_LAYER_BUILT: Any = None
#: How long a chunk waits for the main process's region layer before it reads the layer
#: itself (it never needs to: the main process ends its workers when the build fails).
LAYER_WAIT_S = 3600.0


def start_worker(parent: int, built: Any = None) -> None:
    """Initializer of series' worker processes (``parent``: the main process's id): they end
    with the run (geotools.workers.worker_init), and with ``built`` (a multiprocessing
    Event) their chunks wait for it before reading the region layer (await_layer)."""
    global _LAYER_BUILT
    worker_init(parent)
    freeze_inherited()  # issue 20: no full collection walks the parent's objects
    _LAYER_BUILT = built


def await_layer() -> None:
    """Wait until the main process has built the region layer, in a worker forked before it
    had (issue 20: the chunks read and diff their snapshots meanwhile); at once elsewhere."""
    if _LAYER_BUILT is not None:
        _LAYER_BUILT.wait(LAYER_WAIT_S)


def account(
    changes: Sequence[Change],
    before: Snapshot,
    after: Snapshot,
    layer: RegionLayer | None,
    keep_changes: bool,
    first: bool,
    classes: list[str] | None = None,
    unions: Mapping[str, Sequence[str]] | None = None,
) -> PairResult:
    """The PairResult of a pair's ``changes`` (diff_snapshots of ``before`` and ``after``):
    each change allocated to regions; with ``classes`` (disjoint status classes) also the
    transition matrix between them. ``unions``: statuses that are unions of disjoint members
    (diff_snapshots). ``first``: the run's first pair, whose regional stocks at ``before``
    are measured; a series carries them from there (its areas too: a later pair's carried
    areas may be NaN, diff_snapshots' measure_start). A chunk diffs all its pairs before it
    has the region layer, then accounts for each (issue 20)."""
    out: list[StatusResult] = []
    shares: dict[int, dict[str, float]] = {}  # by geometry object: a union's change is
    if layer is not None:  # often its member's very polygons (diff_snapshots, issue 20)
        geoms = list({id(g): g for ch in changes for g in (ch.gained, ch.lost)}.values())
        shares = dict(zip(map(id, geoms), layer.allocate_many(geoms), strict=True))
    for ch in changes:
        res = StatusResult(ch.status, ch.area_from_m2, ch.area_to_m2, ch.gained_m2, ch.lost_m2)
        res.area_carried = ch.area_carried
        if layer is not None:
            res.gained_by_region = dict(shares[id(ch.gained)])
            res.lost_by_region = dict(shares[id(ch.lost)])
            if first:
                res.stock_from_by_region = _stock(before, ch.status, layer, out, unions)
        if keep_changes:
            res.gained_wkb = shapely.to_wkb(ch.gained)
            res.lost_wkb = shapely.to_wkb(ch.lost)
        out.append(res)
    moved = []
    if classes is not None:
        allocated = {
            (r.status, which): getattr(r, f"{which}_by_region")
            for r in out
            for which in ("gained", "lost")
        }
        moved = transition_matrix(changes, classes, layer, before.m2_per_unit, allocated)
    return PairResult(before.date, after.date, out, moved)


def _stock(
    snap: Snapshot,
    status: str,
    layer: RegionLayer,
    done: Sequence[StatusResult],
    unions: Mapping[str, Sequence[str]] | None,
) -> dict[str, float]:
    """A status's area in each region of ``snap``: a union of disjoint members (issue 20) is
    its members' areas added, region by region (its geometry is not made for it)."""
    members = (unions or {}).get(status, ())
    stocks = {r.status: r.stock_from_by_region for r in done}
    if members and all(stocks.get(m) is not None for m in members):
        out: dict[str, float] = {}
        for m in members:
            for code, value in (stocks[m] or {}).items():
                out[code] = out.get(code, 0.0) + value
        return out
    return layer.allocate(snap.geometries.get(status))


def disjoint_unions(options: ReadOptions) -> dict[str, tuple[str, ...]]:
    """The profile's unions when its classes are made disjoint (e.g. ``russian_control``),
    else none."""
    profile = options.profile
    if profile is None or not profile.disjoint:
        return {}
    return dict(profile.unions)


def transition_classes(options: ReadOptions, snap: Snapshot) -> list[str]:
    """The classes a transition matrix runs over: the profile's, else the snapshot's."""
    profile = options.profile
    if profile is not None:
        return list(profile.classes)
    return snap.statuses


#: 3: StatusResult.area_carried; 4: carried areas may be NaN; 5: a transition piece that is a
#: lost part vertex for vertex is that part, not its overlay; 6: a part across tiles of one
#: region is that region's whole, not its tiles' overlays (float noise apart: issue 20)
PAIR_CACHE_VERSION = "6"


@dataclass
class Lookup:
    """What the cache already holds for a chunk."""

    keys: list[str]
    cached: list[PairResult | None]
    unchecked: list[SnapshotRef]  # files never read and checked before
    snap_keys: dict[dt.date, str] = field(default_factory=dict)  # parsed-cache keys by date

    @property
    def todo(self) -> list[int]:
        """Indexes of the periods still to measure."""
        return [i for i, res in enumerate(self.cached) if res is None]


def looks_up(job: ChunkJob) -> bool:
    """Whether a chunk looks its pairs up in the cache (not when it keeps its changes)."""
    return job.use_cache and not job.keep_changes


def lookup(job: ChunkJob) -> Lookup:
    """Find a chunk's pairs in the cache (same file bytes, settings and region layer)."""
    if not looks_up(job):
        return Lookup([], [None] * len(job.periods), list(job.refs))
    snap_keys = {r.date: snapshot_cache_key(r, job.options) for r in job.refs}
    region_key = _region_key(job.regions, job.crs_wkt)
    keys = [
        _pair_key(
            snap_keys[p.from_date],
            snap_keys[p.to_date],
            region_key,
            i == 0 and job.stocks_at_start,
            job.transitions,
        )
        for i, p in enumerate(job.periods)
    ]
    # --- issue 20: the chunk's entries read in one go (the cache root resolved once) ---
    cached = [_pair_of(raw) for raw in cache.load_json_many("pairs", keys)]
    exist = cache.parsed_exist([snap_keys[r.date] for r in job.refs])
    unchecked = [r for r, seen in zip(job.refs, exist, strict=True) if not seen]
    # --- end ---
    return Lookup(keys, cached, unchecked, snap_keys)


def run_chunk(job: ChunkJob, found: Lookup | None = None) -> list[PairResult]:
    """Measure a chunk's pairs; every file is read and checked (or was, per the cache).

    A pair measured before (same file bytes, settings and region layer) is taken from the
    cache, so adding one day to an archive measures one pair.
    """
    with cache.batched():  # the chunk's entries written as one pack at its end (issue 20)
        return _run_chunk(job, found or lookup(job))


def _run_chunk(job: ChunkJob, found: Lookup) -> list[PairResult]:
    use_cache = bool(found.keys)
    keys, cached, unchecked = found.keys, list(found.cached), found.unchecked
    todo = found.todo
    needed = {job.periods[i].from_date for i in todo} | {job.periods[i].to_date for i in todo}
    loaded: dict[dt.date, Snapshot] = {}
    for ref in job.refs:
        if ref.date in needed or ref in unchecked:
            snap = load_snapshot(
                ref,
                options=job.options,
                use_cache=job.use_cache,
                warn_empty=False,  # said once by the run, whether parsed or cached
                cache_key=found.snap_keys.get(ref.date),
            )
            if ref.date in needed:
                loaded[ref.date] = snap
    segments = SegmentCache()  # this chunk's: each snapshot's segments computed once
    unions = disjoint_unions(job.options)
    # issue 20: every pair's change first, which needs no region layer (a worker forked while
    # the main process builds it starts at once), then the regions' shares of each
    changed = []
    for i in todo:
        p = job.periods[i]
        before, after = loaded[p.from_date], loaded[p.to_date]
        first = job.stocks_at_start and i == 0
        found_changes = diff_snapshots(
            before, after, segments=segments, unions=unions, measure_start=first
        )
        changed.append((i, before, after, first, found_changes))
    layer = None
    if job.regions is not None and todo:
        await_layer()
        layer = region_layer(job.regions, job.crs_wkt, job.use_cache)
    for i, before, after, first, changes in changed:
        res = account(
            changes,
            before,
            after,
            layer,
            job.keep_changes,
            first,
            classes=transition_classes(job.options, before) if job.transitions else None,
            unions=unions,
        )
        if use_cache:
            cache.store_json("pairs", keys[i], _record(res))
        cached[i] = res
    return [r for r in cached if r is not None]


def _record(res: PairResult) -> dict[str, Any]:
    """A PairResult as JSON-ready data (what _pair_of reads back); ``dataclasses.asdict``
    deep-copies every dict on the way, several times slower for the same result."""
    return {
        "from_date": res.from_date.isoformat(),
        "to_date": res.to_date.isoformat(),
        "statuses": [vars(s) for s in res.statuses],
        "transitions": [vars(t) for t in res.transitions],
    }


def _region_key(spec: RegionSpec | None, crs_wkt: str) -> str:
    if spec is None:
        return "none"
    return cache.snapshot_key(spec.path, f"regions|{crs_wkt}|{spec.region_field}|{spec.layer}")


def _pair_key(a: str, b: str, regions: str, stocks: bool, transitions: bool = False) -> str:
    text = f"{PAIR_CACHE_VERSION}|{a}|{b}|{regions}|{stocks}|{transitions}"
    return hashlib.sha256(text.encode()).hexdigest()


def _pair_of(raw: Any) -> PairResult | None:
    """A PairResult from its cache entry's JSON (None: absent or not one)."""
    if not isinstance(raw, dict):
        return None
    try:
        return PairResult(
            from_date=dt.date.fromisoformat(raw["from_date"]),
            to_date=dt.date.fromisoformat(raw["to_date"]),
            statuses=[StatusResult(**s) for s in raw["statuses"]],
            transitions=[TransitionResult(**t) for t in raw.get("transitions", [])],
        )
    except (KeyError, TypeError, ValueError):
        return None
