"""Which places changed status per period, and which places are in each class at given dates.

A place's status at a snapshot is the class containing it (the first in the profile's order
when classes overlap), or ``unmarked``; a polygon place's status is the class holding the
largest share of its area (``unmarked`` included). Statuses are found directly (point in
polygon) on the first snapshot and then carried from snapshot to snapshot through the
series' exact gained / lost polygons: only the places inside a gained or lost polygon can
change, so each step tests only those (an STRtree query over the places). The rule that makes
this exact: gained = S(k+1) − S(k) and lost = S(k) − S(k+1), so a point's membership changes
from S(k) to S(k+1) exactly when it lies in one of them (a point on their boundary is the
one case left: its membership is that of contains, as for the first snapshot).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from geotools.errors import DataError
from geotools.periods import Period, make_periods, snapshot_at
from geotools.places import Places, check_area, default_places
from geotools.read import ReadOptions, SnapshotRef, as_options, load_snapshot, resolve_refs, settle
from geotools.regions import OUTSIDE, RegionSpec, region_spec
from geotools.registry import load_registry
from geotools.series import series
from geotools.snapshot import Change, Snapshot
from geotools.sources.profile import Profile

log = logging.getLogger(__name__)

UNMARKED = "unmarked"

#: Columns of the changes table (``share_from``/``share_to`` only for polygon places).
CHANGE_COLUMNS = [
    "period_start",
    "period_end",
    "from_date",
    "to_date",
    "place",
    "place_id",
    "lon",
    "lat",
    "population",
    "region",
    "region_name",
    "status_from",
    "status_to",
    "changed_on",
    "changed_back",
    "status_changes",
]
AT_COLUMNS = [
    "date",
    "snapshot_date",
    "place",
    "place_id",
    "lon",
    "lat",
    "population",
    "region",
    "region_name",
    "status",
]


@dataclass
class StatusHistory:
    """Every place's status at every snapshot date (codes into ``classes`` + unmarked)."""

    dates: list[dt.date]
    classes: list[str]
    status: np.ndarray  # (snapshots, places) int16; len(classes) = unmarked
    # snapshot index → (classes, places): polygon places' shares, kept at period edges
    shares: dict[int, np.ndarray] = field(default_factory=dict)
    crs: CRS | None = None

    def label(self, codes: np.ndarray) -> np.ndarray:
        """Status names for codes."""
        names = np.array([*self.classes, UNMARKED], dtype=object)
        return np.asarray(names[codes])


def _classes(prof: Profile | None, seen: Sequence[str]) -> list[str]:
    """The disjoint-first order of the classes: the profile's (its unions left out), else
    the statuses seen, sorted."""
    if prof is not None:
        return list(prof.classes)
    return sorted(set(seen))


class PlaceTracker:
    """Places' class membership, moved from snapshot to snapshot by changes (``geoms`` in the
    changes' CRS)."""

    def __init__(self, places: Places, geoms: np.ndarray, classes: list[str]) -> None:
        self.geoms = geoms
        self.classes = classes
        self.polygonal = places.polygonal
        self.tree = shapely.STRtree(geoms)
        n = len(geoms)
        if self.polygonal:
            self.areas = shapely.area(geoms)
            self.share = np.zeros((len(classes), n))
        else:
            self.x, self.y = shapely.get_x(geoms), shapely.get_y(geoms)
            self.member = np.zeros((len(classes), n), dtype=bool)

    def start(self, snap: Snapshot) -> None:
        """Membership on a snapshot, found directly."""
        for c, name in enumerate(self.classes):
            geom = snap.geometries.get(name)
            if geom is None or geom.is_empty:
                continue
            if self.polygonal:
                self.share[c] = self._overlap(geom) / self.areas
            else:
                shapely.prepare(geom)
                self.member[c] = shapely.contains_xy(geom, self.x, self.y)

    def step(self, changes: Sequence[Change]) -> None:
        """Apply one snapshot-to-snapshot change of every class."""
        for ch in changes:
            if ch.status not in self.classes or ch.is_empty:
                continue
            c = self.classes.index(ch.status)
            for geom, sign in ((ch.gained, 1.0), (ch.lost, -1.0)):
                if geom.is_empty:
                    continue
                if self.polygonal:
                    self.share[c] += sign * self._overlap(geom) / self.areas
                else:
                    parts = shapely.get_parts(geom)
                    hit = self.tree.query(parts, predicate="contains")[1]
                    self.member[c, hit] = sign > 0
        if self.polygonal:
            np.clip(self.share, 0.0, 1.0, out=self.share)

    def _overlap(self, geom: shapely.Geometry) -> np.ndarray:
        """Area of each place inside ``geom`` (only places whose box meets a part tested)."""
        out = np.zeros(len(self.geoms))
        parts = shapely.get_parts(geom)
        pi, gi = self.tree.query(parts, predicate="intersects")
        if len(gi):
            shapely.prepare(parts)
            inside = shapely.contains_properly(parts[pi], self.geoms[gi])
            area = np.where(inside, self.areas[gi], 0.0)
            cut = ~inside
            area[cut] = shapely.area(shapely.intersection(parts[pi[cut]], self.geoms[gi[cut]]))
            np.add.at(out, gi, area)
        return out

    def within(self, c: int) -> np.ndarray:
        """Whether each place is in class ``c`` now (a polygon place: half its area or more)."""
        if self.polygonal:
            return np.asarray(self.share[c] >= 0.5)
        return np.asarray(self.member[c])

    def status(self) -> np.ndarray:
        """Each place's status code now."""
        n = len(self.classes)
        if self.polygonal:
            unmarked = np.clip(1.0 - self.share.sum(axis=0), 0.0, 1.0)
            both = np.vstack([self.share, unmarked])
            best = both >= both.max(axis=0) - 1e-9
            return np.asarray(np.argmax(best, axis=0), dtype=np.int16)
        anyin = self.member.any(axis=0)
        return np.where(anyin, np.argmax(self.member, axis=0), n).astype(np.int16)


def _lonlat_bounds(snap: Snapshot) -> tuple[float, float, float, float]:
    geoms = [g for g in snap.geometries.values() if not g.is_empty]
    if not geoms:
        return (-180.0, -90.0, 180.0, 90.0)
    minx, miny, maxx, maxy = shapely.total_bounds(np.array(geoms, dtype=object))
    to_wgs = Transformer.from_crs(snap.crs, CRS.from_epsg(4326), always_xy=True)
    x0, y0, x1, y1 = to_wgs.transform_bounds(minx, miny, maxx, maxy)
    return (float(x0), float(y0), float(x1), float(y1))


def status_history(
    refs: Sequence[SnapshotRef],
    places: Places,
    *,
    keep_shares: Sequence[dt.date] = (),
    options: ReadOptions | None = None,
    use_cache: bool = True,
    workers: int | None = None,
    show_progress: bool | None = None,
    places_path: str = "places",
) -> tuple[StatusHistory, np.ndarray]:
    """Every place's status on each snapshot of ``refs`` (sorted by date), and the places'
    geometries in the equal-area CRS. Shares of polygon places are kept at ``keep_shares``."""
    opts = as_options(options)
    prof = opts.profile
    refs = sorted(refs, key=lambda r: r.date)
    dates = [r.date for r in refs]
    first = load_snapshot(refs[0], options=opts, use_cache=use_cache, warn_empty=False)
    crs = first.crs
    opts = opts.with_crs(crs)
    check_area(places, _lonlat_bounds(first), places_path)  # before the series' work
    changes: list[tuple[Period, list[Change]]] = []
    if len(refs) > 1:
        result = series(
            list(refs),
            edges=dates,
            period=None,
            options=opts,
            keep_changes=True,
            show_progress=show_progress,
            workers=workers,
            use_cache=use_cache,
        )
        changes = result.changes
    seen = list(first.geometries) + [c.status for _, cs in changes for c in cs]
    classes = _classes(prof, seen)
    geoms = places.projected(crs)
    tracker = PlaceTracker(places, geoms, classes)
    tracker.start(first)
    status_rows = np.empty((len(dates), len(places)), dtype=np.int16)
    status_rows[0] = tracker.status()
    wanted = {dates.index(d) for d in keep_shares if d in dates}
    hist = StatusHistory(dates, classes, status_rows, crs=crs)
    if places.polygonal and 0 in wanted:
        hist.shares[0] = tracker.share.copy()
    for k, (_, cs) in enumerate(changes, start=1):
        tracker.step(cs)
        status_rows[k] = tracker.status()
        if places.polygonal and k in wanted:
            hist.shares[k] = tracker.share.copy()
    return hist, geoms


def _regions(
    places: Places,
    geoms: np.ndarray,
    regions: RegionSpec | None,
    crs: CRS,
    use_cache: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Each place's region code and name: from the region layer, else the places' own."""
    if regions is None:
        registry = load_registry()
        codes = places.region
        names = np.array([registry.name(c) or "" for c in codes], dtype=object)
        return codes, names
    from geotools.pairs import region_layer

    layer = region_layer(regions, crs.to_wkt(), use_cache)
    anchors = shapely.point_on_surface(geoms) if places.polygonal else geoms
    tree = shapely.STRtree(layer.geometries)
    pi, ri = tree.query(anchors, predicate="within")
    code_of = np.full(len(places), OUTSIDE, dtype=object)
    code_of[pi] = np.asarray(layer.codes, dtype=object)[ri]
    lookup = dict(zip(layer.codes, layer.names, strict=True))
    lookup[OUTSIDE] = layer.name_of(OUTSIDE)
    return code_of, np.array([lookup[c] for c in code_of], dtype=object)


def _place_columns(
    places: Places, idx: np.ndarray, region: np.ndarray, region_name: np.ndarray
) -> dict[str, Any]:
    return {
        "place": places.names[idx],
        "place_id": places.ids[idx],
        "lon": np.round(places.lon[idx], 5),
        "lat": np.round(places.lat[idx], 5),
        "population": pd.array(places.population[idx], dtype="Float64").round(0).astype("Int64"),
        "region": region[idx],
        "region_name": region_name[idx],
    }


def place_changes(
    inputs: Sequence[str | Path | SnapshotRef],
    /,
    *,
    period: str | None = "month",
    start: dt.date | None = None,
    end: dt.date | None = None,
    edges: Sequence[dt.date] | None = None,
    include_partial: bool = False,
    places: Places | None = None,
    regions: RegionSpec | str | Path | None = None,
    region_field: str | None = None,
    include_reverted: bool = False,
    options: ReadOptions | None = None,
    workers: int | None = None,
    use_cache: bool = True,
    show_progress: bool | None = None,
) -> pd.DataFrame:
    """One row per period and place whose status changed between S(start) and S(end).

    Columns: ``CHANGE_COLUMNS`` (``status_*`` are the classes or ``unmarked``; ``changed_on``
    is the first snapshot on which the place's status differed from S(start)'s;
    ``changed_back`` whether it was back to ``status_from`` on a later snapshot of the period;
    ``status_changes`` how many snapshot-to-snapshot changes it went through), plus
    ``share_from``/``share_to`` for polygon places: the share of the place's area in the
    class ``status_to`` at S(start) and S(end). ``include_reverted`` also lists the places
    whose status changed within a period but was back at its end (status_from = status_to).
    ``places`` defaults to GeoNames' Ukrainian places (``geotools.places.default_places``).

    Examples
    --------
    >>> table = place_changes(["deepstate/daily"], period="month", start=dt.date(2024, 10, 1),
    ...                       end=dt.date(2024, 11, 1))  # doctest: +SKIP
    """
    began = time.perf_counter()
    places = places if places is not None else default_places()
    opts = as_options(options)
    spec = region_spec(regions, region_field)
    refs, opts = _refs(inputs, opts, use_cache)
    dates = [r.date for r in refs]
    periods = make_periods(dates, period, start, end, edges, include_partial)
    columns = CHANGE_COLUMNS + (["share_from", "share_to"] if places.polygonal else [])
    if not periods or not len(places):
        return pd.DataFrame(columns=columns)
    lo = min(p.from_date for p in periods)
    hi = max(p.to_date for p in periods)
    used = [r for r in refs if lo <= r.date <= hi]
    edge_dates = sorted({p.from_date for p in periods} | {p.to_date for p in periods})
    hist, geoms = status_history(
        used,
        places,
        keep_shares=edge_dates,
        options=opts,
        use_cache=use_cache,
        workers=workers,
        show_progress=show_progress,
        places_path=places.source,
    )
    assert hist.crs is not None
    region, region_name = _regions(places, geoms, spec, hist.crs, use_cache)
    index = {d: i for i, d in enumerate(hist.dates)}
    frames = []
    for p in periods:
        i0, i1 = index[p.from_date], index[p.to_date]
        s0, s1 = hist.status[i0], hist.status[i1]
        window = hist.status[i0 : i1 + 1]
        steps = (np.diff(window, axis=0) != 0).sum(axis=0) if i1 > i0 else np.zeros(len(s0))
        chosen = (s0 != s1) | ((steps > 0) & include_reverted)
        idx = np.flatnonzero(chosen)
        if not len(idx):
            continue
        moved = window[1:, idx] != s0[idx]  # (steps, places): differs from S(start)
        first = np.argmax(moved, axis=0)
        back = np.array(
            [bool((window[1 + f :, j] == s0[j]).any()) for f, j in zip(first, idx, strict=True)]
        )
        row: dict[str, Any] = {
            "period_start": p.start,
            "period_end": p.end,
            "from_date": p.from_date,
            "to_date": p.to_date,
            **_place_columns(places, idx, region, region_name),
            "status_from": hist.label(s0[idx]),
            "status_to": hist.label(s1[idx]),
            "changed_on": [hist.dates[i0 + 1 + f] for f in first],
            "changed_back": back,
            "status_changes": steps[idx].astype(int),
        }
        if places.polygonal:
            row["share_from"] = _share(hist, i0, s1[idx], idx)
            row["share_to"] = _share(hist, i1, s1[idx], idx)
        frames.append(pd.DataFrame(row, columns=columns))
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    if len(table):
        table = table.sort_values(
            ["period_start", "region", "population", "place"],
            ascending=[True, True, False, True],
            na_position="last",
            kind="stable",
        ).reset_index(drop=True)
    log.info(
        "places: %d changes over %d periods, %d places, %d snapshots in %.2f s",
        len(table),
        len(periods),
        len(places),
        len(used),
        time.perf_counter() - began,
    )
    return table


def _share(hist: StatusHistory, i: int, codes: np.ndarray, idx: np.ndarray) -> np.ndarray:
    shares = hist.shares[i]
    unmarked = np.clip(1.0 - shares.sum(axis=0), 0.0, 1.0)
    full = np.vstack([shares, unmarked])
    return np.asarray(np.round(full[codes, idx], 4))


def _refs(
    inputs: Sequence[str | Path | SnapshotRef], options: ReadOptions, use_cache: bool = True
) -> tuple[list[SnapshotRef], ReadOptions]:
    given = [i for i in inputs if isinstance(i, SnapshotRef)]
    paths = [i for i in inputs if not isinstance(i, SnapshotRef)]
    if paths:
        options = settle(paths, options, use_cache=use_cache)
    refs = given + (resolve_refs(paths, options=options) if paths else [])
    by_date = {r.date: r for r in refs}
    if not by_date:
        raise DataError("no snapshots: nothing to look at")
    return [by_date[d] for d in sorted(by_date)], options


def places_at(
    inputs: Sequence[str | Path | SnapshotRef],
    dates: Sequence[dt.date],
    *,
    places: Places | None = None,
    regions: RegionSpec | str | Path | None = None,
    region_field: str | None = None,
    include_unmarked: bool = False,
    options: ReadOptions | None = None,
    use_cache: bool = True,
) -> pd.DataFrame:
    """The places in each class on S(date) for each of ``dates`` (columns ``AT_COLUMNS``, plus
    ``share`` for polygon places); ``include_unmarked`` lists the other places too."""
    places = places if places is not None else default_places()
    opts = as_options(options)
    prof = opts.profile
    spec = region_spec(regions, region_field)
    refs, opts = _refs(inputs, opts, use_cache)
    by_date = {r.date: r for r in refs}
    days = sorted(by_date)
    crs = opts.crs
    frames = []
    columns = AT_COLUMNS + (["share"] if places.polygonal else [])
    geoms: np.ndarray | None = None
    region = region_name = np.empty(0, dtype=object)
    for day in dates:
        snap_date = snapshot_at(days, day)
        if snap_date is None:
            raise DataError(f"no snapshot on or before {day} (the first is {days[0]})")
        read = opts.with_crs(crs) if crs is not None else opts
        snap = load_snapshot(
            by_date[snap_date], options=read, use_cache=use_cache, warn_empty=False
        )
        crs = snap.crs
        if geoms is None:
            check_area(places, _lonlat_bounds(snap), places.source)
            geoms = places.projected(crs)
            region, region_name = _regions(places, geoms, spec, crs, use_cache)
        classes = _classes(prof, list(snap.geometries))
        tracker = PlaceTracker(places, geoms, classes)
        tracker.start(snap)
        codes = tracker.status()
        idx = (
            np.flatnonzero(codes < len(classes)) if not include_unmarked else np.arange(len(codes))
        )
        names = np.array([*classes, UNMARKED], dtype=object)
        row: dict[str, Any] = {
            "date": day,
            "snapshot_date": snap_date,
            **_place_columns(places, idx, region, region_name),
            "status": names[codes[idx]],
        }
        if places.polygonal:
            full = np.vstack([tracker.share, np.clip(1 - tracker.share.sum(axis=0), 0, 1)])
            row["share"] = np.round(full[codes[idx], idx], 4)
        frames.append(pd.DataFrame(row, columns=columns))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def place_counts(at: pd.DataFrame) -> pd.DataFrame:
    """Counts per date, region and status of a ``places_at`` table (places and population)."""
    keys = ["date", "snapshot_date", "region", "region_name", "status"]
    if not len(at):
        return pd.DataFrame(columns=[*keys, "places", "population"])
    grouped = at.groupby(keys, dropna=False, sort=True)
    out = grouped.agg(places=("place_id", "size"), population=("population", "sum"))
    return out.reset_index()
