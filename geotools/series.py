"""Orchestration: snapshot files × periods → Table (and the change polygons)."""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pyproj import CRS

from geotools import cache
from geotools.errors import DataError, UsageError
from geotools.heap import frozen_heap
from geotools.pairs import (
    ChunkJob,
    Lookup,
    PairResult,
    StatusResult,
    layer_built,
    looks_up,
    lookup,
    region_layer,
    run_chunk,
    start_worker,
)
from geotools.periods import Period, make_periods, omitted_periods
from geotools.progress import progress
from geotools.read import (
    ReadOptions,
    SnapshotRef,
    as_options,
    discover,
    load_snapshot,
    resolve_refs,
    settle,
)
from geotools.regions import OUTSIDE, RegionSpec, region_spec, select_codes
from geotools.snapshot import Change
from geotools.sources.profile import control_statuses
from geotools.table import TOTAL, TOTAL_NAME, change_row, make_table
from geotools.table_rows import TableRows
from geotools.transitions import TransitionRows
from geotools.workers import stop

if TYPE_CHECKING:  # issue 20: pandas only when a DataFrame is asked for (SeriesResult.table)
    import pandas as pd

log = logging.getLogger(__name__)


@dataclass
class SeriesResult:
    """A series run: the Table, and the change polygons per period when kept, with what it
    was made from (the dated files, the reading options in the run's CRS, the regions), so a
    map or a report of it needs nothing else: ``render.from_series(result)``."""

    rows: TableRows  # the Table's rows; ``table`` is made from them on first use
    changes: list[tuple[Period, list[Change]]] = field(default_factory=list)
    crs: CRS | None = None
    moved: TransitionRows | None = None  # with transitions=True: ``transitions`` is made of it
    snapshots: int = 0
    snapshots_read: int = 0
    seconds: float = 0.0
    refs: list[SnapshotRef] = field(default_factory=list)
    options: ReadOptions = field(default_factory=ReadOptions)
    regions: RegionSpec | None = None
    inputs: list[str] = field(default_factory=list)  # as given (for titles)
    use_cache: bool = True

    @cached_property
    def table(self) -> pd.DataFrame:
        """The Table (a pandas DataFrame, made on first use: the command line writes its CSV
        from ``rows`` without importing pandas)."""
        return self.rows.frame()

    @cached_property
    def transitions(self) -> pd.DataFrame | None:
        """The km² that went from one class to another (with ``transitions=True``, else None;
        see geotools.transitions), a DataFrame made on first use like ``table``."""
        return None if self.moved is None else self.moved.frame()


def summarize(changes: Sequence[tuple[Period, Sequence[Change]]]) -> pd.DataFrame:
    """The Table for already computed changes (region ``total``)."""
    return make_table(change_row(p, c) for p, cs in changes for c in cs)


def series(
    inputs: Sequence[str | Path | SnapshotRef],
    /,
    *,
    period: str | None = "month",
    start: dt.date | None = None,
    end: dt.date | None = None,
    edges: Sequence[dt.date] | None = None,
    include_partial: bool = False,
    options: ReadOptions | None = None,
    regions: RegionSpec | str | Path | None = None,
    region_field: str | None = None,
    region_filter: Sequence[str] | None = None,
    keep_changes: bool = False,
    transitions: bool = False,
    show_progress: bool | None = None,
    workers: int | None = None,
    use_cache: bool = True,
    scheduler: str | None = None,
    address: str | None = None,
) -> SeriesResult:
    """Gained / lost / net per period for a set of snapshot files.

    Every file is read and checked; only the snapshots at period edges are kept in memory.
    The periods are split into contiguous chunks measured by ``workers`` processes (default:
    one per core for 64 files or more); the table is the same whatever the split.
    ``scheduler="distributed"`` runs the chunks as Dask tasks, on the scheduler at ``address``
    or on a local cluster of ``workers`` processes (default for ``address``; needs the
    ``[dask]`` extra); the table is the same as a local run's.

    Parameters
    ----------
    inputs : files, folders, globs (or SnapshotRefs).
    options : how files become Snapshots (ReadOptions: CRS, profile, status field…).
    regions : a region layer (a polygon file, ``geoboundaries:UKR:ADM1`` or a RegionSpec;
        ``region_field`` names its code property): each period also gets one row per region
        and one ``outside`` row; each region's area at the period's start is carried forward
        from the previous period (computed directly only at the first).
    region_filter : keep only these regions (codes or names) and ``total``.
    transitions : also the km² that went from one class to another (``result.transitions``),
        which needs disjoint classes.

    Examples
    --------
    >>> result = series(["deepstate/daily"], period="month",
    ...                 regions="geoBoundaries-UKR-ADM1.geojson.gz")  # doctest: +SKIP
    >>> result.table.query("region == 'total'")  # doctest: +SKIP
    """
    began = time.perf_counter()
    opts = as_options(options)
    spec = region_spec(regions, region_field, region_filter)
    prof = opts.profile
    if transitions and prof is not None and not prof.disjoint:
        raise UsageError(
            f"profile {prof.name!r} has overlapping classes; transitions need disjoint ones "
            '(set "disjoint": true in a copy of the profile)'
        )
    given = [i for i in inputs if isinstance(i, SnapshotRef)]
    # issue 20: the files found once, for detection and dating
    paths = discover([i for i in inputs if not isinstance(i, SnapshotRef)])
    if paths:  # which source the files come from, when no profile was given
        opts = settle(paths, opts, use_cache=use_cache)
    refs = given + (resolve_refs(paths, options=opts) if paths else [])
    by_date = {r.date: r for r in sorted(refs, key=lambda r: r.date)}
    dates = sorted(by_date)
    periods = make_periods(dates, period, start, end, edges, include_partial)
    if not include_partial:
        skipped = omitted_periods(dates, period, start, end, edges)
        if skipped:
            log.info(
                "%d period(s) reach beyond the data (%s … %s) and are omitted; "
                "--partial keeps them, flagged",
                skipped,
                dates[0],
                dates[-1],
            )
    ordered = [by_date[d] for d in dates]
    crs = opts.crs
    if crs is None:
        crs = _first_crs(ordered, opts, use_cache)
        log.info("equal-area CRS: %s", crs.srs)
    opts = opts.with_crs(crs)
    # the pool builds the region layer when it suits it (memoised per process, and stored in
    # the cache, where workers forked before find it)
    ready = partial(_names, spec, crs, use_cache)
    table = TableRows()
    moved = TransitionRows()
    out: list[tuple[Period, list[Change]]] = []
    accounts = RegionAccounts()
    totals = TotalAccounts()
    warned: set[dt.date] = set()
    watched = _watched_statuses(opts)
    said: list[tuple[str, tuple[object, ...]]] = []  # warnings, said once the run is over
    names: dict[str, str] | None = None
    # issue 20: no full collection walks what existed before the run (geotools.heap)
    with frozen_heap(), _pool(scheduler, address, workers, len(ordered)) as pool:
        jobs = make_jobs(
            periods,
            ordered,
            opts,
            spec,
            keep_changes,
            pool.chunks,
            transitions,
            use_cache,
        )
        # issue 20: each chunk's rows are made as it comes in, while the workers measure the
        # chunks after it (the rows of a raw year took 0.12 s after the last chunk)
        for p, res in zip(periods, pool.run(jobs, show_progress, ready), strict=True):
            if names is None:  # the layer is built once a chunk is in (memoised: no cost)
                names = _names(spec, crs, use_cache)
            for s in res.statuses:  # the run's areas: a carried one from its first pair's
                s.area_from_m2, s.area_to_m2 = totals.areas(p, s)
            if not opts.allows("area-jump"):
                said.extend(_jumps(p, res, watched, by_date))
            for day, attr in ((p.from_date, "area_from_m2"), (p.to_date, "area_to_m2")):
                if day not in warned and all(getattr(s, attr) == 0 for s in res.statuses):
                    warned.add(day)
                    said.append(
                        ("%s: read as an empty snapshot (no territory)", (by_date[day].path,))
                    )
            for s in res.statuses:
                areas = ([s.area_from_m2], [s.area_to_m2], [s.gained_m2], [s.lost_m2])
                table.add(p, s.status, [TOTAL], [TOTAL_NAME], areas)
            if spec is not None:
                accounts.add_rows(table, p, res, names)
            if keep_changes:
                out.append((p, [s.change(p.from_date, p.to_date) for s in res.statuses]))
            if transitions:
                moved.add(p, res.transitions, names or None)
    for message, args in said:
        log.warning(message, *args)
    if region_filter and spec is not None:
        layer = region_layer(spec, crs.to_wkt(), use_cache)
        keep = select_codes(layer, list(region_filter)) | {TOTAL}
        table = table.only_regions(keep)
        moved.only_regions(keep)
    seconds = time.perf_counter() - began
    reads = len(dates)  # every file is read (and checked), in some chunk
    log.info("series: %d snapshots read, %d periods in %.2f s", reads, len(periods), seconds)
    if not periods:
        outside = (start is not None and start > dates[-1]) or (end is not None and end < dates[0])
        if outside:  # the range asked for misses the data altogether: say which
            if start is None:
                asked = f"up to {end}"
            elif end is None:
                asked = f"from {start}"
            else:
                asked = f"{start} … {end}"
            log.warning(
                "no period: the range asked for (%s) is outside the snapshots' dates "
                "(%s … %s); check --start/--end",
                asked,
                dates[0],
                dates[-1],
            )
        else:
            log.warning(
                "no complete period between %s and %s; try a shorter --period or --partial",
                dates[0],
                dates[-1],
            )
    return SeriesResult(
        rows=table,
        changes=out,
        crs=crs,
        moved=moved if transitions else None,
        snapshots=len(dates),
        snapshots_read=reads,
        seconds=seconds,
        refs=ordered,
        options=opts,
        regions=spec,
        inputs=[str(i.path if isinstance(i, SnapshotRef) else i) for i in inputs],
        use_cache=use_cache,
    )


#: A warning when a class's area changes by more than this share of its area at the period's
#: start (and by more than JUMP_MIN_KM2): a file of another source, or a broken export.
JUMP_SHARE = 0.25
JUMP_MIN_KM2 = 1.0


def _watched_statuses(options: ReadOptions) -> set[str] | None:
    """The classes whose jumps are warned about: a profile's Russian-control classes (ISW's
    small claimed and partisan layers come and go), else every class (None)."""
    if options.profile is None:
        return None
    return set(control_statuses(options.profile))


def _jumps(
    period: Period, result: PairResult, watched: set[str] | None, refs: dict[dt.date, SnapshotRef]
) -> list[tuple[str, tuple[object, ...]]]:
    """The warnings (message, arguments), naming both files, of each class whose area jumps
    (see JUMP_SHARE)."""
    found: list[tuple[str, tuple[object, ...]]] = []
    for s in result.statuses:
        if watched is not None and s.status not in watched:
            continue
        a0, a1 = s.area_from_m2, s.area_to_m2
        if a0 > 0 and abs(a1 - a0) > JUMP_SHARE * a0 and abs(a1 - a0) > JUMP_MIN_KM2 * 1e6:
            found.append(
                (
                    "%s → %s: %s goes from %.1f to %.1f km² (%+.0f %%): check that both are "
                    "snapshots of one source (--allow area-jump silences this)",
                    (
                        refs[period.from_date].path,
                        refs[period.to_date].path,
                        s.status,
                        a0 / 1e6,
                        a1 / 1e6,
                        100 * (a1 - a0) / a0,
                    ),
                )
            )
    return found


class TotalAccounts:
    """Each status's total area where a pair carried it (issue 20: StatusResult.area_carried)
    rather than measured it: carried here from the period before, in period order, so the
    table is the same whatever the chunks. Only the run's first pair measures its start; a
    later chunk's first pair leaves what it would carry unknown (NaN: pairs.account)."""

    def __init__(self) -> None:
        self._held: dict[str, tuple[dt.date, float]] = {}

    def areas(self, period: Period, s: StatusResult) -> tuple[float, float]:
        """(area_from, area_to) of ``s`` in m² for the Table's total row."""
        held = self._held.get(s.status)
        if s.area_carried and held is not None and held[0] == period.from_date:
            a0 = held[1]
            a1 = a0 + s.gained_m2 - s.lost_m2
        else:
            a0, a1 = s.area_from_m2, s.area_to_m2
            if math.isnan(a0) or math.isnan(a1):  # only the run's first pair surely measures
                raise AssertionError(f"{s.status}: no area carried to {period.start}")
        self._held[s.status] = (period.to_date, a1)
        return a0, a1


class RegionAccounts:
    """Per-region stocks carried from period to period, and the rows they make."""

    def __init__(self) -> None:
        self._stocks: dict[str, tuple[dt.date, dict[str, float]]] = {}

    def add_rows(
        self, table: TableRows, period: Period, result: PairResult, names: dict[str, str]
    ) -> None:
        """One row per region and ``outside`` for each status of a period, added to
        ``table``."""
        codes, labels = list(names), list(names.values())
        for s in result.statuses:
            held = self._stocks.get(s.status)
            if held is not None and held[0] == period.from_date:
                stock = held[1]
            elif s.stock_from_by_region is not None:
                stock = s.stock_from_by_region
            elif held is None:  # a status that first appears here: nothing held before
                stock = {}
            else:
                raise AssertionError(f"periods are not contiguous at {period.start}")
            a0 = [stock.get(code, 0.0) for code in codes]
            got, gone = s.gained_by_region.get, s.lost_by_region.get
            g = [got(code, 0.0) for code in codes]
            lo = [gone(code, 0.0) for code in codes]
            a1 = [x + y - z for x, y, z in zip(a0, g, lo, strict=True)]
            table.add(period, s.status, codes, labels, (a0, a1, g, lo))
            self._stocks[s.status] = (period.to_date, dict(zip(codes, a1, strict=True)))


def _first_crs(refs: Sequence[SnapshotRef], options: ReadOptions, use_cache: bool) -> CRS:
    """The CRS chosen by the first non-empty snapshot in date order (stable across periods)."""
    for ref in refs:
        snap = load_snapshot(ref, options=options, use_cache=use_cache, warn_empty=False)
        if not snap.is_empty:  # (nothing pending is made to tell)
            return snap.crs
    raise DataError("every snapshot is empty: cannot choose an equal-area CRS; pass --crs")


def _workers(workers: int | None, files: int) -> int:
    if workers is not None:
        return max(1, workers)
    return 1 if files < 64 else max(1, min(os.cpu_count() or 1, 8))


#: The fewest periods a chunk is given (but the last, which takes what is left): a chunk's
#: start reads a file again, and on raw DeepState days parses it with a worker's memos of
#: other weeks. Issue 20: 3, not 6, since the chunks start while the region layer is built:
#: the last chunks are smaller, so a worker that draws a slow one (two of DeepState's
#: redrawn days, 0.15-0.3 s a pair) no longer keeps the other waiting at the end (raw 2024,
#: 8 alternated pairs: wall time 2-4 % lower for the same CPU in each, lower in 6 of 8).
MIN_CHUNK_PERIODS = 3


def chunk_sizes(periods: int, chunks: int) -> list[int]:
    """How many periods each chunk gets, in order: guided self-scheduling, each chunk a
    ``chunks // 4``-th (at least a half) of the periods still unassigned, never fewer than
    MIN_CHUNK_PERIODS; about ``chunks`` chunks in all.

    The pool hands the chunks out in order as workers free up, so the last ones decide how
    long a worker idles at the end (issue 20: with equal chunks, the raw archive's last one,
    which holds two of DeepState's redrawn days, kept one worker busy 0.4 s after the other
    had finished). Small last chunks bound that wait; large first ones keep the chunk starts
    (a file read again) few."""
    if periods <= 0 or chunks <= 1:
        return [max(periods, 0)]  # one chunk (this process alone measures)
    share = max(2, chunks // 4)
    sizes: list[int] = []
    left = periods
    while left > 0:
        size = min(left, max(MIN_CHUNK_PERIODS, -(-left // share)))
        sizes.append(size)
        left -= size
    return sizes


def make_jobs(
    periods: Sequence[Period],
    refs: Sequence[SnapshotRef],
    options: ReadOptions,
    regions: RegionSpec | None,
    keep_changes: bool,
    chunks: int,
    transitions: bool = False,
    use_cache: bool = True,
) -> list[ChunkJob]:
    """Split the periods into about ``chunks`` contiguous chunks that shrink toward the end
    (chunk_sizes); every file goes to the chunk(s) spanning it."""
    assert options.crs is not None, "jobs read in the run's CRS"
    crs_wkt = options.crs.to_wkt()
    bounds = [0]
    for size in chunk_sizes(len(periods), chunks):
        bounds.append(bounds[-1] + size)
    n = len(bounds) - 1
    jobs = []
    for k in range(n):
        chunk = list(periods[bounds[k] : bounds[k + 1]])
        lo = chunk[0].from_date if k > 0 else dt.date.min
        hi = chunk[-1].to_date if k < n - 1 else dt.date.max
        files = [r for r in refs if lo <= r.date <= hi]
        jobs.append(
            ChunkJob(
                chunk,
                files,
                crs_wkt,
                options,
                regions,
                keep_changes,
                k == 0,
                transitions,
                use_cache,
            )
        )
    return jobs


class _Pool(Protocol):
    """Where the chunks run, and into how many chunks the periods are cut for it."""

    workers: int

    @property
    def chunks(self) -> int:
        """How many chunks to make."""

    def run(
        self,
        jobs: Sequence[ChunkJob],
        show_progress: bool | None,
        ready: Callable[[], object],
    ) -> Iterable[PairResult]:
        """The chunks' results, in chunk order (the local pool's as each chunk comes in);
        ``ready()`` builds what the chunks share (the region layer), when the pool chooses."""


@dataclass
class _LocalPool:
    """This machine: in this process, or in forked worker processes."""

    workers: int

    @property
    def chunks(self) -> int:
        """Many chunks, the last ones small (chunk_sizes): the pool hands them out as workers
        free up, so the workers finish together; each extra chunk costs a second read of the
        file it shares with its neighbour (a second parse, when both run at once)."""
        return self.workers * LOCAL_CHUNKS_PER_WORKER if self.workers > 1 else 1

    def run(
        self,
        jobs: Sequence[ChunkJob],
        show_progress: bool | None,
        ready: Callable[[], object],
    ) -> Iterator[PairResult]:
        """The chunks' results, in chunk order, each chunk's as it comes in (the workers
        stop when the caller does not take them all)."""
        return _run(list(jobs), self.workers, show_progress, ready)


SCHEDULERS = ("local", "distributed")
#: About how many chunks per worker process of the local pool (chunk_sizes). Neighbouring
#: chunks often run at once, so the file they share is parsed by both (its cache entry is
#: written when a chunk ends): 8 a worker, not 16, since the chunks start while the region
#: layer is built (issue 20: raw year 4.01–5.16 s against 4.19–5.31 s, 6 alternated pairs,
#: lower in each; 6 % less CPU).
LOCAL_CHUNKS_PER_WORKER = 8


@contextmanager
def _pool(
    scheduler: str | None, address: str | None, workers: int | None, files: int
) -> Iterator[_Pool]:
    """The local pool, or a Dask one (``address`` alone means ``distributed``)."""
    scheduler = scheduler or ("distributed" if address else "local")
    if scheduler not in SCHEDULERS:
        raise UsageError(f"unknown scheduler {scheduler!r}; use one of {', '.join(SCHEDULERS)}")
    if scheduler == "local":
        if address:
            raise UsageError("--address is the Dask scheduler of --scheduler distributed")
        yield _LocalPool(_workers(workers, files))
        return
    from geotools.distributed import dask_pool  # Dask is optional: imported only here

    with dask_pool(address, workers) as pool:
        yield pool


def _run(
    jobs: list[ChunkJob],
    workers: int,
    show_progress: bool | None,
    ready: Callable[[], object],
) -> Iterator[PairResult]:
    # issue 20: a run that has not seen most of its files (their digests unknown) starts its
    # workers at once, each chunk looking itself up (the digests took 0.06-0.1 s before the
    # workers started); each chunk hands back the digests it made, for the cache's index
    cold = workers > 1 and len(jobs) > 1 and _unknown_files(jobs) >= MIN_TO_FORK
    found: list[Lookup | None] = [None] * len(jobs)
    if not cold:
        found = [lookup(job) for job in jobs]
        if sum(len(f.todo) + len(f.unchecked) for f in found if f is not None) < MIN_TO_FORK:
            workers = 1  # (almost) all in the cache: forking workers would cost more than it saves
    with progress(len(jobs), "measuring", show_progress) as advance:
        if workers <= 1 or len(jobs) <= 1:
            ready()
            for job, f in zip(jobs, found, strict=True):
                done = run_chunk(job, f)
                advance()
                yield from done
            return
        import multiprocessing as mp  # issue 20: only when worker processes start
        from concurrent.futures import ProcessPoolExecutor

        context = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        first = jobs[0]
        # issue 20: when the region layer is to be built here, the workers start at once:
        # their chunks read and diff their snapshots while this process builds the layer (and
        # stores it, where they read it once ``built`` is set); else they are forked after it
        # is built, and share it
        building = first.use_cache and not layer_built(first.regions, first.crs_wkt)
        built = context.Event() if building else None
        # --- workers end with the run (issue 16): initializer, and stop() on interrupt ---
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=start_worker,
            initargs=(os.getpid(), built),
        )
        try:
            if built is not None:
                chunks = pool.map(_run_in_worker, jobs, found)
                ready()
                built.set()
            else:
                ready()
                chunks = pool.map(_run_in_worker, jobs, found)
            for chunk, digests in chunks:
                advance()
                cache.learn_digests(digests)
                yield from chunk  # (a caller that stops here closes this: the workers stop)
        except BaseException:
            stop(pool)
            raise
        pool.shutdown()
        # --- end workers ---


#: Fewer files than this to read (or pairs to measure) and a run stays in this process.
MIN_TO_FORK = 32


def _unknown_files(jobs: Sequence[ChunkJob]) -> int:
    """How many of the run's files it would have to read only to hash them (every file, when
    the cache is not used: the chunks do not look up)."""
    paths = {r.path for job in jobs for r in job.refs}
    if not all(looks_up(job) for job in jobs):
        return len(paths)
    return sum(not cache.digest_known(p) for p in paths)


def _run_in_worker(
    job: ChunkJob, found: Lookup | None = None
) -> tuple[list[PairResult], dict[str, str]]:
    """run_chunk in a worker, and the digests of the chunk's files it made when it looked
    itself up (``found`` None: a cold run's main process did not, and has not hashed them;
    none without the cache, whose digest index they are for)."""
    results = run_chunk(job, found)
    learnt = found is None and job.use_cache
    return results, cache.made_digests(r.path for r in job.refs) if learnt else {}


def _names(regions: RegionSpec | None, crs: CRS, use_cache: bool = True) -> dict[str, str]:
    """Codes → names of the region layer (with ``outside``), in output order."""
    if regions is None:
        return {}
    layer = region_layer(regions, crs.to_wkt(), use_cache)
    names = dict(zip(layer.codes, layer.names, strict=True))
    names[OUTSIDE] = layer.name_of(OUTSIDE)
    return names
