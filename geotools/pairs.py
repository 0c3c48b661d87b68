"""The unit of series work: the measured change between two snapshots, per status and region.

A chunk of consecutive periods is computed by :func:`run_chunk`, in this process or in a worker
process; its results (:class:`PairResult`) are plain data, so the table assembled from them is
the same whatever the number of workers or chunks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import shapely
from pyproj import CRS

from geotools.diff import diff_snapshots
from geotools.io import SnapshotRef, load_snapshot
from geotools.periods import Period
from geotools.regions import RegionLayer, RegionSpec
from geotools.snapshot import Change, Snapshot


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


@dataclass
class ChunkJob:
    """A run of consecutive periods, the files to read for it, and the settings."""

    periods: list[Period]
    refs: list[SnapshotRef]  # every file dated in the chunk's span (all are read and checked)
    crs_wkt: str
    load_kwargs: dict[str, Any]
    regions: RegionSpec | None
    keep_changes: bool
    stocks_at_start: bool  # allocate the first snapshot directly (the series' first chunk)


_LAYERS: dict[tuple[RegionSpec, str], RegionLayer] = {}


def _layer(spec: RegionSpec, crs_wkt: str) -> RegionLayer:
    key = (spec, crs_wkt)
    if key not in _LAYERS:  # one build per process
        _LAYERS[key] = spec.build(CRS.from_wkt(crs_wkt))
    return _LAYERS[key]


def measure(
    before: Snapshot,
    after: Snapshot,
    layer: RegionLayer | None,
    keep_changes: bool,
    stocks_from: bool,
) -> PairResult:
    """Diff two snapshots and allocate the change to regions."""
    out = []
    for ch in diff_snapshots(before, after):
        res = StatusResult(ch.status, ch.area_from_m2, ch.area_to_m2, ch.gained_m2, ch.lost_m2)
        if layer is not None:
            res.gained_by_region = layer.allocate(ch.gained)
            res.lost_by_region = layer.allocate(ch.lost)
            if stocks_from:
                res.stock_from_by_region = layer.allocate(before.geometries.get(ch.status))
        if keep_changes:
            res.gained_wkb = shapely.to_wkb(ch.gained)
            res.lost_wkb = shapely.to_wkb(ch.lost)
        out.append(res)
    return PairResult(before.date, after.date, out)


def run_chunk(job: ChunkJob) -> list[PairResult]:
    """Read every file of the chunk (keeping only period-edge snapshots) and measure its pairs."""
    crs = CRS.from_wkt(job.crs_wkt)
    layer = _layer(job.regions, job.crs_wkt) if job.regions is not None else None
    needed = {p.from_date for p in job.periods} | {p.to_date for p in job.periods}
    loaded: dict[dt.date, Snapshot] = {}
    for ref in job.refs:
        snap = load_snapshot(ref, crs, **job.load_kwargs)
        if ref.date in needed:
            loaded[ref.date] = snap
    results = []
    for i, p in enumerate(job.periods):
        results.append(
            measure(
                loaded[p.from_date],
                loaded[p.to_date],
                layer,
                job.keep_changes,
                stocks_from=job.stocks_at_start and i == 0,
            )
        )
    return results
