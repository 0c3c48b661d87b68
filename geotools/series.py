"""Orchestration: snapshot files × periods → Table (and the change polygons)."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pyproj import CRS

from geotools.diff import diff_snapshots
from geotools.io import OnDuplicate, SnapshotRef, load_snapshot, resolve_refs
from geotools.periods import Period, make_periods, omitted_periods
from geotools.progress import progress
from geotools.regions import OUTSIDE, RegionLayer, RegionSpec, select_codes
from geotools.snapshot import Change, Snapshot
from geotools.table import TOTAL, area_row, change_row, make_table

log = logging.getLogger(__name__)


@dataclass
class SeriesResult:
    """A series run: the Table, and the change polygons per period when kept."""

    table: pd.DataFrame
    changes: list[tuple[Period, list[Change]]] = field(default_factory=list)
    crs: CRS | None = None
    snapshots: int = 0
    snapshots_read: int = 0
    seconds: float = 0.0


def summarize(changes: Sequence[tuple[Period, Sequence[Change]]]) -> pd.DataFrame:
    """The Table for already computed changes (region ``total``)."""
    return make_table(change_row(p, c) for p, cs in changes for c in cs)


def series(
    inputs: Sequence[str | Path | SnapshotRef],
    period: str | None = "month",
    start: dt.date | None = None,
    end: dt.date | None = None,
    edges: Sequence[dt.date] | None = None,
    include_partial: bool = False,
    crs: CRS | None = None,
    date_field: str | None = None,
    layer: str | None = None,
    status_field: str | None = None,
    status: str = "occupied",
    on_duplicate: OnDuplicate = "error",
    force_crs: bool = False,
    keep_changes: bool = False,
    show_progress: bool | None = None,
    regions: RegionSpec | RegionLayer | None = None,
    region_filter: Sequence[str] | None = None,
) -> SeriesResult:
    """Gained / lost / net per period for a set of snapshot files.

    Every file is read and checked once, in date order; only the snapshots at period edges
    are kept in memory, each cleaned, dissolved and projected once.

    With ``regions``, each period also gets one row per region and one ``outside`` row; the
    gained / lost polygons are allocated to regions, and each region's area at the period's
    start is carried forward from the previous period (computed directly only at the first).
    """
    began = time.perf_counter()
    given = [i for i in inputs if isinstance(i, SnapshotRef)]
    paths = [i for i in inputs if not isinstance(i, SnapshotRef)]
    refs = given + (resolve_refs(paths, None, date_field, layer, on_duplicate) if paths else [])
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
    needed = {p.from_date for p in periods} | {p.to_date for p in periods}
    last_use: dict[dt.date, int] = {}
    for i, p in enumerate(periods):
        last_use[p.from_date] = i
        last_use[p.to_date] = i
    loaded: dict[dt.date, Snapshot] = {}
    pair_cache: dict[tuple[dt.date, dt.date], list[Change]] = {}
    out: list[tuple[Period, list[Change]]] = []
    rows: list[dict[str, object]] = []
    next_period = 0
    region_layer = regions if isinstance(regions, RegionLayer) else None
    accounts = RegionAccounts()
    # Every file is read (a corrupt file in the middle must fail the run, not pass as an
    # observation); only the snapshots at period edges are kept, and only until last used.
    with progress(len(dates), "reading", show_progress) as advance:
        for day in dates:
            snap = load_snapshot(by_date[day], crs, status_field, status, force_crs)
            if crs is None and any(not g.is_empty for g in snap.geometries.values()):
                crs = snap.crs
                log.info("equal-area CRS: %s", crs.srs)
            if day in needed:
                loaded[day] = snap
            while next_period < len(periods) and periods[next_period].to_date <= day:
                p = periods[next_period]
                key = (p.from_date, p.to_date)
                if key not in pair_cache:
                    pair_cache[key] = diff_snapshots(loaded[p.from_date], loaded[p.to_date])
                rows.extend(change_row(p, c) for c in pair_cache[key])
                if regions is not None:
                    if region_layer is None:
                        assert crs is not None and isinstance(regions, RegionSpec)
                        region_layer = regions.build(crs)
                    rows.extend(
                        accounts.rows(p, pair_cache[key], loaded[p.from_date], region_layer)
                    )
                if keep_changes:
                    out.append((p, pair_cache[key]))
                for used in [d for d in loaded if last_use.get(d, -1) <= next_period]:
                    del loaded[used]
                if not keep_changes:
                    pair_cache = {
                        k: v for k, v in pair_cache.items() if last_use.get(k[1], -1) > next_period
                    }
                next_period += 1
            advance()
    table = make_table(rows)
    if region_filter and region_layer is not None:
        keep = select_codes(region_layer, list(region_filter)) | {TOTAL}
        table = table[table["region"].isin(keep)].reset_index(drop=True)
    seconds = time.perf_counter() - began
    reads = len(dates)
    log.info("series: %d snapshots read, %d periods in %.2f s", reads, len(periods), seconds)
    if not periods:
        log.warning(
            "no complete period between %s and %s; try a shorter --period or --partial",
            dates[0],
            dates[-1],
        )
    return SeriesResult(
        table=table,
        changes=out,
        crs=crs,
        snapshots=len(dates),
        snapshots_read=reads,
        seconds=seconds,
    )


class RegionAccounts:
    """Per-region stocks carried from period to period, and the rows they make."""

    def __init__(self) -> None:
        self._stocks: dict[str, tuple[dt.date, dict[str, float]]] = {}

    def rows(
        self, period: Period, changes: Sequence[Change], before: Snapshot, layer: RegionLayer
    ) -> list[dict[str, object]]:
        """One row per region and ``outside`` for each status of a period."""
        out = []
        for change in changes:
            held = self._stocks.get(change.status)
            if held is None or held[0] != period.from_date:
                stock = layer.allocate(before.geometries.get(change.status))
            else:
                stock = held[1]
            gained = layer.allocate(change.gained)
            lost = layer.allocate(change.lost)
            after: dict[str, float] = {}
            for code in [*layer.codes, OUTSIDE]:
                a0 = stock.get(code, 0.0)
                g, lo = gained.get(code, 0.0), lost.get(code, 0.0)
                a1 = a0 + g - lo
                after[code] = a1
                out.append(
                    area_row(period, code, layer.name_of(code), change.status, a0, a1, g, lo)
                )
            self._stocks[change.status] = (period.to_date, after)
        return out
