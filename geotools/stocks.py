"""Stocks: per snapshot and region, the area under each status class and its share."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import pandas as pd

from geotools.errors import UsageError
from geotools.periods import make_periods, snapshot_at
from geotools.progress import progress
from geotools.read import ReadOptions, as_options, load_snapshot, resolve_refs, settle
from geotools.regions import (
    OUTSIDE,
    RegionLayer,
    RegionSpec,
    clip_layer,
    land_mask,
    region_spec,
    select_codes,
)
from geotools.snapshot import M2_PER_KM2, Snapshot
from geotools.table import TOTAL, TOTAL_NAME

log = logging.getLogger(__name__)

Denominator = Literal["land", "boundary"]
STOCK_COLUMNS = [
    "date",
    "region",
    "region_name",
    "status",
    "area_km2",
    "region_area_km2",
    "share",
    "denominator",
]


def stock_rows(snap: Snapshot, layer: RegionLayer, denominator: str) -> list[dict[str, object]]:
    """Rows for one snapshot: each region, ``outside`` and ``total``, per status."""
    region_area = layer.areas_m2()
    total_area = sum(region_area.values())
    rows: list[dict[str, object]] = []
    for status in snap.statuses:
        geom = snap.geometries[status]
        alloc = layer.allocate(geom)
        for code in [*layer.codes, OUTSIDE, TOTAL]:
            if code == TOTAL:
                # the whole snapshot (regions + outside); its share is that of all regions
                area = sum(alloc.values())
                denom = total_area
                share = (area - alloc.get(OUTSIDE, 0.0)) / denom if denom else float("nan")
            else:
                area = alloc.get(code, 0.0)
                denom = region_area.get(code, float("nan"))
                share = area / denom if code != OUTSIDE and denom else float("nan")
            rows.append(
                {
                    "date": snap.date,
                    "region": code,
                    "region_name": TOTAL_NAME if code == TOTAL else layer.name_of(code),
                    "status": status,
                    "area_km2": area / M2_PER_KM2,
                    "region_area_km2": denom / M2_PER_KM2,
                    "share": share,
                    "denominator": denominator,
                }
            )
    return rows


def stocks(
    inputs: Sequence[str | Path],
    /,
    *,
    regions: RegionSpec | str | Path,
    region_field: str | None = None,
    region_filter: Sequence[str] | None = None,
    options: ReadOptions | None = None,
    at: Sequence[dt.date] | None = None,
    period: str | None = "month",
    denominator: Denominator = "land",
    land: str | Path | None = None,
    show_progress: bool | None = None,
) -> pd.DataFrame:
    """Area per region and status at chosen dates, by direct intersection.

    Dates: ``at`` (S(t) for each), else every period edge of ``period``, else every snapshot.
    ``denominator='land'`` measures both the area and the region on land only (the shipped
    Natural Earth mask, or ``land``); ``'boundary'`` uses the region polygons as they are
    (geoBoundaries ADM1 reaches 12 nautical miles into the sea).

    Examples
    --------
    >>> stocks(["deepstate/daily"], regions="geoBoundaries-UKR-ADM1.geojson.gz",
    ...        at=[dt.date(2025, 8, 17)])  # doctest: +SKIP
    """
    opts = settle(inputs, as_options(options))
    spec = region_spec(regions, region_field)
    if spec is None:
        raise UsageError("stocks need regions= (--by): the regions to measure shares of")
    crs = opts.crs
    refs = resolve_refs(inputs, options=opts)
    by_date = {r.date: r for r in refs}
    days = sorted(by_date)
    if at:
        wanted = sorted({d for d in (snapshot_at(days, t) for t in at) if d is not None})
    elif period:
        ps = make_periods(days, period, include_partial=True)
        wanted = sorted({p.from_date for p in ps} | {p.to_date for p in ps})
    else:
        wanted = days
    rows: list[dict[str, object]] = []
    layer: RegionLayer | None = None
    with progress(len(wanted), "stocks", show_progress) as advance:
        for day in wanted:
            snap = load_snapshot(by_date[day], options=opts.with_crs(crs) if crs else opts)
            crs = snap.crs
            if layer is None:
                layer = spec.build(crs)
                if denominator == "land":
                    layer = clip_layer(layer, land_mask(crs, land))
            rows.extend(stock_rows(snap, layer, denominator))
            advance()
    frame = pd.DataFrame(rows, columns=STOCK_COLUMNS)
    if region_filter and layer is not None:
        keep = select_codes(layer, list(region_filter)) | {TOTAL}
        frame = frame[frame["region"].isin(keep)].reset_index(drop=True)
    return frame
