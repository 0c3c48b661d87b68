"""Source against source: where two sources agree and disagree on the controlled territory.

For two snapshots A and B of the same (or a nearby) date, ``both`` = A ∩ B, ``only_a`` =
A − B and ``only_b`` = B − A. The three are disjoint and ``only_a`` + ``both`` = A,
``only_b`` + ``both`` = B, per region too (each is allocated to the regions separately; the
table's ``area_a_km2`` and ``area_b_km2`` are allocated directly, so the identity is a check,
not an assumption). ``disagreement_km2`` = ``only_a_km2`` + ``only_b_km2``. ``outlier``
flags the pairs whose total disagreement is far above the run's typical one (a stale file;
see ``compare_outliers``).
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
from pyproj import CRS

from geotools.clean import polygonal
from geotools.compare_outliers import flag_outliers
from geotools.crs import WGS84, project
from geotools.errors import UsageError
from geotools.frontline import control_geometry
from geotools.progress import progress
from geotools.read import ReadOptions, SnapshotRef, as_options, load_snapshot, resolve_refs, settle
from geotools.regions import OUTSIDE, RegionLayer, RegionSpec, region_spec, select_codes
from geotools.snapshot import M2_PER_KM2, Snapshot
from geotools.sources.profile import control_statuses
from geotools.table import TOTAL, TOTAL_NAME

log = logging.getLogger(__name__)

COMPARE_COLUMNS = [
    "date_a",
    "date_b",
    "days_apart",
    "source_a",
    "source_b",
    "region",
    "region_name",
    "area_a_km2",
    "area_b_km2",
    "both_km2",
    "only_a_km2",
    "only_b_km2",
    "disagreement_km2",
    "outlier",  # issue 18: the pair disagrees far more than the run's others (compare_outliers)
]
KINDS = ("only_a", "only_b", "both")


@dataclass
class Comparison:
    """Two snapshots side by side: the shared and the disputed territory, and its rows."""

    a: Snapshot
    b: Snapshot
    both: shapely.Geometry
    only_a: shapely.Geometry
    only_b: shapely.Geometry
    label_a: str = "A"
    label_b: str = "B"
    rows: list[dict[str, object]] = field(default_factory=list)

    def area_km2(self, kind: str) -> float:
        """Area of ``both``, ``only_a`` or ``only_b`` in km²."""
        return float(shapely.area(getattr(self, kind))) * self.a.m2_per_unit / M2_PER_KM2


def compare_snapshots(
    a: Snapshot,
    b: Snapshot,
    layer: RegionLayer | None = None,
    label_a: str = "A",
    label_b: str = "B",
    statuses_a: Sequence[str] | None = None,
    statuses_b: Sequence[str] | None = None,
) -> Comparison:
    """Compare the control territory of two snapshots (the union of their status classes,
    or of ``statuses_a`` / ``statuses_b``), in total and per region."""
    if not a.crs.equals(b.crs):
        raise UsageError(
            f"snapshots {a.source} and {b.source} are in different CRSs; read them with the "
            "same crs"
        )
    ga, gb = control_geometry(a, statuses_a), control_geometry(b, statuses_b)
    both = polygonal(shapely.intersection(ga, gb))
    only_a = polygonal(shapely.difference(ga, gb))
    only_b = polygonal(shapely.difference(gb, ga))
    unit = a.m2_per_unit
    pieces = {"a": ga, "b": gb, "both": both, "only_a": only_a, "only_b": only_b}
    alloc: dict[str, dict[str, float]] = {}
    for key, geom in pieces.items():
        total = float(shapely.area(geom)) * unit
        per_region = layer.allocate(geom) if layer is not None else {}
        alloc[key] = {**per_region, TOTAL: total}
    codes: list[tuple[str, str]] = []
    if layer is not None:
        codes = [(c, layer.name_of(c)) for c in [*layer.codes, OUTSIDE]]
    rows: list[dict[str, object]] = []
    for code, name in [*codes, (TOTAL, TOTAL_NAME)]:
        get = {k: v.get(code, 0.0) / M2_PER_KM2 for k, v in alloc.items()}
        rows.append(
            {
                "date_a": a.date,
                "date_b": b.date,
                "days_apart": (b.date - a.date).days,
                "source_a": label_a,
                "source_b": label_b,
                "region": code,
                "region_name": name,
                "area_a_km2": get["a"],
                "area_b_km2": get["b"],
                "both_km2": get["both"],
                "only_a_km2": get["only_a"],
                "only_b_km2": get["only_b"],
                "disagreement_km2": get["only_a"] + get["only_b"],
            }
        )
    return Comparison(
        a=a,
        b=b,
        both=both,
        only_a=only_a,
        only_b=only_b,
        label_a=label_a,
        label_b=label_b,
        rows=rows,
    )


def match_dates(
    dates_a: Sequence[dt.date], dates_b: Sequence[dt.date], tolerance_days: int = 0
) -> list[tuple[dt.date, dt.date]]:
    """Pairs (date_a, date_b) to compare.

    Each date of the sparser side (A on a tie) is paired with the nearest date of the other
    side, the earlier one when two are equally near, if it is at most ``tolerance_days`` away;
    dates without a partner are left out.
    """
    if tolerance_days < 0:
        raise UsageError(f"date tolerance {tolerance_days} is negative; give 0 or more days")
    a, b = sorted(set(dates_a)), sorted(set(dates_b))
    swap = len(b) < len(a)
    lead, other = (b, a) if swap else (a, b)
    pairs = []
    for day in lead:
        i = bisect.bisect_left(other, day)
        near = [other[j] for j in (i - 1, i) if 0 <= j < len(other)]
        if not near:
            continue
        best = min(near, key=lambda d: (abs((d - day).days), d))
        if abs((best - day).days) <= tolerance_days:
            pairs.append((best, day) if swap else (day, best))
    return pairs


@dataclass
class CompareResult:
    """A comparison run: the table (one block of rows per matched pair), the pairs and the
    region layer the rows were allocated to (for a map)."""

    table: pd.DataFrame
    comparisons: list[Comparison]
    crs: CRS
    unmatched_a: int = 0
    unmatched_b: int = 0
    regions: RegionLayer | None = None

    def series(self) -> pd.DataFrame:
        """The ``total`` rows: disagreement over time, one row per pair."""
        return self.table[self.table["region"] == TOTAL].reset_index(drop=True)


def disagreement_frame(
    comparisons: Sequence[Comparison], kinds: Sequence[str] = KINDS, out_crs: Any = WGS84
) -> Any:
    """GeoDataFrame ready to map: one row per pair and kind (``only_a``, ``only_b``,
    ``both``), in WGS84, with dates, source labels, ``area_km2`` and ``parts``."""
    import geopandas as gpd

    rows = []
    for comp in comparisons:
        for kind in kinds:
            if kind not in KINDS:
                raise UsageError(f"unknown kind {kind!r}; use {', '.join(KINDS)}")
            geom = getattr(comp, kind)
            if shapely.is_empty(geom):
                continue
            rows.append(
                {
                    "date_a": comp.a.date.isoformat(),
                    "date_b": comp.b.date.isoformat(),
                    "source_a": comp.label_a,
                    "source_b": comp.label_b,
                    "kind": kind,
                    "area_km2": comp.area_km2(kind),
                    "parts": len(shapely.get_parts(geom)),
                    "geometry": project(geom, comp.a.crs, out_crs),
                }
            )
    columns = [
        "date_a",
        "date_b",
        "source_a",
        "source_b",
        "kind",
        "area_km2",
        "parts",
        "geometry",
    ]
    return gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs=out_crs)


def _label(inputs: Sequence[str | Path], fallback: str) -> str:
    if len(inputs) != 1:
        return fallback
    path = Path(str(inputs[0]))
    name = path.name if path.is_dir() else path.name.split(".")[0]
    return name or fallback


def compare(
    inputs_a: Sequence[str | Path],
    inputs_b: Sequence[str | Path],
    /,
    *,
    options: ReadOptions | None = None,
    options_b: ReadOptions | None = None,
    regions: RegionSpec | str | Path | None = None,
    region_field: str | None = None,
    region_filter: Sequence[str] | None = None,
    tolerance_days: int = 0,
    labels: tuple[str, str] | None = None,
    show_progress: bool | None = None,
) -> CompareResult:
    """Compare source A with source B on every pair of dates matched by match_dates.

    ``options`` read both sources (``options_b``, when given, reads B; B is read in A's CRS
    whatever its options say); a profiled source is compared by its Russian-control classes
    (e.g. ``russian_control``), not all its classes.

    Examples
    --------
    >>> result = compare(["deepstate/daily"], ["isw/*.geojson.gz"],
    ...                  regions="geoBoundaries-UKR-ADM1.geojson.gz")  # doctest: +SKIP
    """
    opts_a = as_options(options)
    opts_b = options_b if options_b is not None else opts_a
    spec = region_spec(regions, region_field, region_filter)
    opts_a, opts_b = settle(inputs_a, opts_a), settle(inputs_b, opts_b)
    refs_a = resolve_refs(inputs_a, options=opts_a)
    refs_b = resolve_refs(inputs_b, options=opts_b)
    by_a = {r.date: r for r in refs_a}
    by_b = {r.date: r for r in refs_b}
    pairs = match_dates(list(by_a), list(by_b), tolerance_days)
    if not pairs:
        span_a = f"{min(by_a)} … {max(by_a)}"
        span_b = f"{min(by_b)} … {max(by_b)}"
        raise UsageError(
            f"no dates of A ({span_a}) and B ({span_b}) lie within {tolerance_days} days of "
            "each other; widen --tolerance-days"
        )
    label_a, label_b = labels or (_label(inputs_a, "A"), _label(inputs_b, "B"))
    layer: RegionLayer | None = None
    comparisons: list[Comparison] = []

    crs = opts_a.crs

    def load(ref: SnapshotRef, opts: ReadOptions) -> Snapshot:
        return load_snapshot(ref, options=replace(opts, crs=crs))

    prof_a, prof_b = opts_a.profile, opts_b.profile
    wanted_a = control_statuses(prof_a) if prof_a is not None else None
    wanted_b = control_statuses(prof_b) if prof_b is not None else None

    with progress(len(pairs), "compare", show_progress) as advance:
        for da, db in pairs:
            a = load(by_a[da], opts_a)
            crs = a.crs
            b = load(by_b[db], opts_b)
            if layer is None and spec is not None:
                layer = spec.build(crs)
            comparisons.append(compare_snapshots(a, b, layer, label_a, label_b, wanted_a, wanted_b))
            advance()
    assert crs is not None
    table = pd.DataFrame(
        [row for comp in comparisons for row in comp.rows], columns=COMPARE_COLUMNS
    )
    table = flag_outliers(table)  # issue 18: before --region keeps some rows
    if region_filter and layer is not None:
        keep = select_codes(layer, list(region_filter)) | {TOTAL}
        table = table[table["region"].isin(keep)].reset_index(drop=True)
    used_a = {da for da, _ in pairs}
    used_b = {db for _, db in pairs}
    return CompareResult(
        table=table,
        comparisons=comparisons,
        crs=crs,
        unmatched_a=len(set(by_a) - used_a),
        unmatched_b=len(set(by_b) - used_b),
        regions=layer,
    )
