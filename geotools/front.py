"""`front`: lines of contact at each period edge and the advance per period, as tables
(the line itself: geotools.frontline; the advance metrics: geotools.advance)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
from pyproj import CRS

from geotools.advance import DEFAULT_STEP_KM, AdvanceStats, advance_depth
from geotools.clean import polygonal
from geotools.crs import WGS84, project
from geotools.diff import diff_geometries_fast
from geotools.errors import UsageError
from geotools.frontline import (
    DEFAULT_TOLERANCE_KM,
    M_PER_KM,
    FrontLine,
    control_geometry,
    front_line,
    inner_zone,
    read_outline,
)
from geotools.outlines import MIN_INSIDE, default_outline
from geotools.periods import Period, make_periods
from geotools.progress import progress
from geotools.read import ReadOptions, as_options, load_snapshot, resolve_refs, settle
from geotools.regions import (
    OUTSIDE,
    RegionLayer,
    RegionSpec,
    land_mask,
    region_spec,
    select_codes,
)
from geotools.snapshot import M2_PER_KM2, Snapshot
from geotools.sources.profile import control_statuses
from geotools.table import TOTAL, TOTAL_NAME

log = logging.getLogger(__name__)

LENGTH_COLUMNS = ["date", "region", "region_name", "front_km", "tolerance_km"]
ADVANCE_COLUMNS = [
    "period_start",
    "period_end",
    "from_date",
    "to_date",
    "region",
    "region_name",
    "front_from_km",
    "front_to_km",
    "gained_km2",
    "advance_line_km",
    "advance_mean_km",
    "advance_max_km",
    "advance_width_km",
    "advance_depth_km",
    "gap_days",
]


@dataclass
class FrontResult:
    """A front run: per-date lengths, per-period advance (empty for one snapshot), lines."""

    lengths: pd.DataFrame
    advance: pd.DataFrame
    lines: list[FrontLine]
    crs: CRS
    names: dict[str, str] = field(default_factory=dict)

    def lines_frame(self, by_region: bool = True) -> Any:
        """GeoDataFrame of the lines of contact in WGS84: one row per date (``total``) and,
        with regions, one per date and region."""
        import geopandas as gpd

        rows = []
        for fl in self.lines:
            items: list[tuple[str, shapely.Geometry, float]] = [(TOTAL, fl.line, fl.length_m)]
            if by_region:
                items += [
                    (c, fl.region_lines[c], fl.by_region_m[c]) for c in sorted(fl.region_lines)
                ]
            for code, geom, length in items:
                rows.append(
                    {
                        "date": fl.date.isoformat(),
                        "region": code,
                        "region_name": self.names.get(code, TOTAL_NAME if code == TOTAL else code),
                        "front_km": length / M_PER_KM,
                        "tolerance_km": fl.tolerance_km,
                        "geometry": project(geom, fl.crs, WGS84),
                    }
                )
        columns = [*LENGTH_COLUMNS, "geometry"]
        return gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs=WGS84)


def length_rows(fl: FrontLine, names: dict[str, str]) -> list[dict[str, object]]:
    """Length rows of one date: every region (zero included), ``outside`` and ``total``."""
    rows: list[dict[str, object]] = []
    for code, name in [*names.items(), (TOTAL, TOTAL_NAME)]:
        length = fl.length_m if code == TOTAL else fl.by_region_m.get(code, 0.0)
        rows.append(
            {
                "date": fl.date,
                "region": code,
                "region_name": name,
                "front_km": length / M_PER_KM,
                "tolerance_km": fl.tolerance_km,
            }
        )
    return rows


def advance_rows(
    period: Period,
    old: FrontLine,
    new: FrontLine,
    gained_by_region_m2: dict[str, float],
    stats: dict[str, AdvanceStats],
    names: dict[str, str],
) -> list[dict[str, object]]:
    """Advance rows of one period: every region, ``outside`` and ``total``."""
    rows: list[dict[str, object]] = []
    for code, name in [*names.items(), (TOTAL, TOTAL_NAME)]:
        st = stats.get(code, AdvanceStats())
        if code == TOTAL:
            f0, f1 = old.length_m, new.length_m
            gained = sum(gained_by_region_m2.values())
        else:
            f0, f1 = old.by_region_m.get(code, 0.0), new.by_region_m.get(code, 0.0)
            gained = gained_by_region_m2.get(code, 0.0)
        rows.append(
            {
                "period_start": period.start,
                "period_end": period.end,
                "from_date": period.from_date,
                "to_date": period.to_date,
                "region": code,
                "region_name": name,
                "front_from_km": f0 / M_PER_KM,
                "front_to_km": f1 / M_PER_KM,
                "gained_km2": gained / M2_PER_KM2,
                "advance_line_km": st.line_m / M_PER_KM,
                "advance_mean_km": st.mean_m / M_PER_KM,
                "advance_max_km": st.max_m / M_PER_KM,
                "advance_width_km": st.width_m / M_PER_KM,
                "advance_depth_km": st.depth_m / M_PER_KM,
                "gap_days": period.gap_days,
            }
        )
    return rows


def _default_outline(snap: Snapshot, statuses: Sequence[str] | None) -> Path:
    """The shipped outline of Ukraine when ``snap`` lies in Ukraine, else the usage error."""
    shipped = default_outline(control_geometry(snap, statuses), snap.crs)
    if shipped is None:
        raise UsageError(
            "the front needs the country outline: give regions= (--by REGIONS) or "
            "outline= (--outline) (the shipped outline of Ukraine is used only for data "
            f"lying in Ukraine, at least {MIN_INSIDE:.0%} of its area)",
            snap.source,
        )
    return shipped.path


def front(
    inputs: Sequence[str | Path],
    /,
    *,
    options: ReadOptions | None = None,
    regions: RegionSpec | str | Path | None = None,
    region_field: str | None = None,
    region_filter: Sequence[str] | None = None,
    outline: str | Path | None = None,
    land: str | Path | None = None,
    tolerance_km: float = DEFAULT_TOLERANCE_KM,
    step_km: float = DEFAULT_STEP_KM,
    period: str | None = "month",
    start: dt.date | None = None,
    end: dt.date | None = None,
    edges: Sequence[dt.date] | None = None,
    include_partial: bool = False,
    statuses: Sequence[str] | None = None,
    show_progress: bool | None = None,
) -> FrontResult:
    """Lines of contact and their lengths at each period edge, and the advance per period.

    The outline is ``outline`` (a polygon file) or else the region layer's union, or with
    neither, for data lying in Ukraine, the shipped outline of Ukraine (said in the log; see
    geotools.outlines); it is clipped to land (the shipped Natural Earth 10m mask, or
    ``land``). One snapshot gives lengths only. Only the snapshots at period edges are read.

    Examples
    --------
    >>> result = front(["deepstate/daily"], regions="geoBoundaries-UKR-ADM1.geojson.gz",
    ...                period="month")  # doctest: +SKIP
    >>> result.lengths.query("region == 'total'")  # doctest: +SKIP
    """
    opts = settle(inputs, as_options(options))
    spec = region_spec(regions, region_field, region_filter)
    prof = opts.profile
    if statuses is None and prof is not None:
        statuses = control_statuses(prof)
    crs = opts.crs
    refs = resolve_refs(inputs, options=opts)
    by_date = {r.date: r for r in refs}
    days = sorted(by_date)
    periods: list[Period] = []
    if len(days) > 1:
        periods = make_periods(days, period, start, end, edges, include_partial)
        wanted = sorted({p.from_date for p in periods} | {p.to_date for p in periods})
    else:
        wanted = days
    snaps: dict[dt.date, Snapshot] = {}
    fronts: dict[dt.date, FrontLine] = {}
    layer: RegionLayer | None = None
    zone = None
    border = None
    names: dict[str, str] = {}
    with progress(len(wanted), "front", show_progress) as advance:
        for day in wanted:
            snap = load_snapshot(by_date[day], options=opts.with_crs(crs) if crs else opts)
            crs = snap.crs
            if zone is None:
                if spec is not None:
                    layer = spec.build(crs)
                    names = {c: layer.name_of(c) for c in [*layer.codes, OUTSIDE]}
                if spec is None and outline is None:  # issue 15: Ukraine's, if the data is there
                    outline = _default_outline(snap, statuses)
                shape = read_outline(outline, crs) if outline is not None else None
                if shape is None:
                    assert layer is not None
                    shape = layer.union
                shape = polygonal(shapely.intersection(shape, land_mask(crs, land)))
                zone = inner_zone(shape, tolerance_km, snap.m2_per_unit**0.5)
                if shapely.is_empty(zone):
                    log.warning(
                        "no part of the outline lies more than %g km inside it: every line of "
                        "contact is empty; lower --tolerance-km",
                        tolerance_km,
                    )
                border = shapely.boundary(
                    shapely.simplify(shape, tolerance_km * M_PER_KM / 10 / snap.m2_per_unit**0.5)
                )
            snaps[day] = snap
            fronts[day] = front_line(snap, zone, tolerance_km, layer, statuses)
            advance()
    assert crs is not None
    lengths = [row for d in wanted for row in length_rows(fronts[d], names)]
    rows: list[dict[str, object]] = []
    for p in periods:
        before, after = snaps[p.from_date], snaps[p.to_date]
        gained, _ = diff_geometries_fast(
            control_geometry(before, statuses), control_geometry(after, statuses)
        )
        alloc = layer.allocate(gained) if layer is not None else {}
        if layer is None and not shapely.is_empty(gained):
            alloc = {OUTSIDE: float(shapely.area(gained)) * after.m2_per_unit}
        stats = advance_depth(
            fronts[p.from_date],
            fronts[p.to_date],
            gained,
            layer,
            step_km,
            after.m2_per_unit**0.5,
            border,
        )
        rows.extend(advance_rows(p, fronts[p.from_date], fronts[p.to_date], alloc, stats, names))
    length_table = pd.DataFrame(lengths, columns=LENGTH_COLUMNS)
    advance_table = pd.DataFrame(rows, columns=ADVANCE_COLUMNS)
    if region_filter and layer is not None:
        keep = select_codes(layer, list(region_filter)) | {TOTAL}
        length_table = length_table[length_table["region"].isin(keep)].reset_index(drop=True)
        advance_table = advance_table[advance_table["region"].isin(keep)].reset_index(drop=True)
    return FrontResult(
        lengths=length_table,
        advance=advance_table,
        lines=[fronts[d] for d in wanted],
        crs=crs,
        names=names,
    )
