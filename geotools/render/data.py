"""What a map or report shows: the Table, the change polygons and the control areas per period.

This is the one place the renderers read input: a series run (for the Table and the gained /
lost polygons) plus the snapshot at each period's end (for the control area drawn underneath).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pyproj import CRS

from geotools.errors import DataError, UsageError
from geotools.pairs import region_layer
from geotools.periods import Period
from geotools.read import ReadOptions, SnapshotRef, as_options, load_snapshot, resolve_refs, settle
from geotools.regions import RegionLayer, RegionSpec
from geotools.series import SeriesResult, series
from geotools.snapshot import Change, Snapshot


@dataclass
class Step:
    """One period of a map: its changes and the snapshot at its end (the control area)."""

    period: Period
    changes: list[Change]
    snapshot: Snapshot


@dataclass
class MapData:
    """Everything a map shows, with the Table its numbers come from."""

    steps: list[Step]
    table: pd.DataFrame
    crs: CRS
    regions: RegionLayer | None = None
    sources: list[str] = field(default_factory=list)
    #: who published the snapshots (--source-label, else the profile's source; issue 18)
    source_label: str | None = None
    #: the classes whose boundary is the line of contact (issue 18 point 4; None: all)
    front_statuses: list[str] | None = None

    @property
    def start(self) -> dt.date:
        """Start of the first period."""
        return self.steps[0].period.start

    @property
    def end(self) -> dt.date:
        """End of the last period."""
        return self.steps[-1].period.end


#: ``period`` value for one step per snapshot (the edges are the snapshots' dates).
SNAPSHOT = "snapshot"


def snapshot_edges(
    days: Sequence[dt.date], start: dt.date | None, end: dt.date | None
) -> list[dt.date]:
    """Period edges at every snapshot date within [start, end] (one period per pair)."""
    edges = [d for d in days if (start is None or d >= start) and (end is None or d <= end)]
    if len(edges) < 2:
        raise UsageError(
            f"fewer than two snapshots between {start or 'the start'} and {end or 'the end'}; "
            "widen --start/--end"
        )
    return edges


def source_names(inputs: Sequence[str | Path | SnapshotRef]) -> list[str]:
    """Short names of the inputs for titles (file or folder names)."""
    out = []
    for item in inputs:
        path = item.path if isinstance(item, SnapshotRef) else Path(item)
        out.append(path.name or str(path))
    return out


def from_series(result: SeriesResult) -> MapData:
    """MapData of a series run made with ``keep_changes=True``: the snapshot at each
    period's end is read with the run's own options, in its CRS, so the map draws what the
    table measured.

    Examples
    --------
    >>> result = geotools.series(["daily/"], keep_changes=True)  # doctest: +SKIP
    >>> write_map(from_series(result), "map.html")  # doctest: +SKIP
    """
    if result.crs is None:
        raise UsageError("the series has no CRS (no snapshots); nothing to map")
    if not result.changes:
        raise UsageError(
            "no complete period to map; choose a range inside the data (start=/end=, "
            "--start/--end) or a shorter period= (--period)"
        )
    by_date = {r.date: r for r in result.refs}
    steps = []
    for period, changes in result.changes:
        snap = load_snapshot(
            by_date[period.to_date],
            options=result.options,
            use_cache=result.use_cache,
            warn_empty=False,
        )
        steps.append(Step(period, list(changes), snap))
    layer = None
    if result.regions is not None:
        layer = region_layer(result.regions, result.crs.to_wkt(), result.use_cache)
    from geotools.render.context import describe_inputs, profile_source

    inputs = result.inputs if result.inputs else result.refs[:1]
    sources = describe_inputs(inputs, result.refs)
    label = profile_source(result.options.profile)
    data = MapData(steps, result.table, result.crs, layer, sources, label)
    if result.options.profile is not None:  # issue 18 point 4: the front's classes
        from geotools.sources.profile import control_statuses

        data.front_statuses = control_statuses(result.options.profile)
    return data


def gather(
    inputs: Sequence[str | Path],
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    period: str | None = None,
    edges: Sequence[dt.date] | None = None,
    regions: RegionSpec | str | Path | None = None,
    region_filter: Sequence[str] | None = None,
    options: ReadOptions | None = None,
    show_progress: bool | None = None,
    workers: int | None = None,
    use_cache: bool = True,
) -> MapData:
    """Measure the inputs and collect what a map needs.

    With ``period`` (or ``edges``) one step per period, for a timeline; without, one step:
    the change from S(start) to S(end), where start and end default to the first and the
    last snapshot.
    """
    opts = settle(list(inputs), as_options(options), use_cache=use_cache)
    refs = resolve_refs(list(inputs), options=opts)
    if not refs:
        raise DataError(f"no snapshot files in {', '.join(map(str, inputs))}; check the inputs")
    days = [r.date for r in refs]
    if period == SNAPSHOT:
        edges, period = snapshot_edges(days, start, end), None
    if period is None and not edges:
        lo, hi = start or days[0], end or days[-1]
        if hi <= lo:
            raise UsageError(f"the map's end {hi} is not after its start {lo}; check --start/--end")
        edges = [lo, hi]
    result = series(
        refs,
        period=None if edges else period,
        start=start,
        end=end,
        edges=edges,
        keep_changes=True,
        show_progress=show_progress,
        regions=regions,
        region_filter=region_filter,
        workers=workers,
        use_cache=use_cache,
        options=opts,
    )
    from geotools.render.context import describe_inputs

    data = from_series(result)
    data.sources = describe_inputs(inputs, refs)
    return data


def from_pair(
    before: Snapshot, after: Snapshot, changes: list[Change], table: pd.DataFrame
) -> MapData:
    """MapData of one diff (no regions)."""
    from geotools.periods import make_periods

    period = make_periods([before.date, after.date], None, edges=[before.date, after.date])[0]
    sources = [Path(before.source).name, Path(after.source).name]
    return MapData([Step(period, changes, after)], table, after.crs, None, sources)
