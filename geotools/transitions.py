"""Transition matrices: km² that went from one status class to another between two snapshots.

With disjoint classes (a profile's precedence makes them so), the area that was X before and
is Y after (X ≠ Y) is exactly ``lost(X) ∩ gained(Y)``: so only the small change polygons are
intersected. Area that left X for no class is ``unmarked`` (lost(X) minus every transition
out of X), area that entered Y from no class is ``unmarked → Y``; each row of the matrix sums
to ``lost(X)`` and each column to ``gained(Y)``, by construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import shapely

from geotools.clean import polygonal
from geotools.periods import Period
from geotools.regions import RegionLayer
from geotools.snapshot import M2_PER_KM2, Change
from geotools.sources.profile import UNMARKED
from geotools.table import TOTAL, TOTAL_NAME

if TYPE_CHECKING:  # issue 20: pandas is imported where a DataFrame is made
    import pandas as pd

#: The documented columns of a transitions table, in order (README, "Transitions").
TRANSITION_COLUMNS: list[str] = [
    "period_start",
    "period_end",
    "from_date",
    "to_date",
    "region",
    "region_name",
    "from_status",
    "to_status",
    "area_km2",
    "gap_days",
]


@dataclass
class TransitionResult:
    """Area (m²) that went from one class to another, with its region allocation."""

    from_status: str
    to_status: str
    area_m2: float
    by_region: dict[str, float] = field(default_factory=dict)


def transition_matrix(
    changes: Sequence[Change],
    classes: Sequence[str],
    layer: RegionLayer | None = None,
    m2_per_unit: float = 1.0,
    allocated: Mapping[tuple[str, str], dict[str, float]] | None = None,
) -> list[TransitionResult]:
    """Every (from, to) pair of ``classes`` + ``unmarked`` (not unmarked → unmarked).

    ``changes`` are the per-status Changes of one pair of snapshots whose ``classes`` are
    disjoint; other statuses (unions such as ``russian_control``) are ignored. ``allocated``
    holds the caller's allocations of the changes, by (status, ``"gained"``/``"lost"``).
    """
    by_status = {c.status: c for c in changes}
    empty = shapely.MultiPolygon()
    gained = {c: by_status[c].gained if c in by_status else empty for c in classes}
    lost = {c: by_status[c].lost if c in by_status else empty for c in classes}
    out: list[TransitionResult] = []
    moved: dict[tuple[str, str], TransitionResult] = {}
    for x in classes:
        for y in classes:
            if x == y:
                continue
            res = TransitionResult(x, y, 0.0)
            a, b = lost[x], gained[y]
            if not (shapely.is_empty(a) or shapely.is_empty(b)) and shapely.intersects(a, b):
                piece = polygonal(shapely.intersection(a, b))
                res.area_m2 = float(shapely.area(piece)) * m2_per_unit
                if layer is not None:
                    res.by_region = layer.allocate(piece)
            moved[(x, y)] = res
    for x in classes:
        change = by_status.get(x)
        lost_m2 = change.lost_m2 if change is not None else 0.0
        lost_regions = _allocation(change, "lost", layer, allocated)
        rows = [moved[(x, y)] for y in classes if y != x]
        out.extend(rows)
        out.append(_rest(x, UNMARKED, lost_m2, lost_regions, rows))
    for y in classes:
        change = by_status.get(y)
        gained_m2 = change.gained_m2 if change is not None else 0.0
        gained_regions = _allocation(change, "gained", layer, allocated)
        cols = [moved[(x, y)] for x in classes if x != y]
        out.append(_rest(UNMARKED, y, gained_m2, gained_regions, cols))
    return out


def _allocation(
    change: Change | None,
    which: str,
    layer: RegionLayer | None,
    allocated: Mapping[tuple[str, str], dict[str, float]] | None = None,
) -> dict[str, float]:
    if change is None or layer is None:
        return {}
    if allocated is not None and (change.status, which) in allocated:
        return allocated[(change.status, which)]  # issue 20: measured once, in pairs.measure
    return layer.allocate(getattr(change, which))


def _rest(
    x: str,
    y: str,
    total_m2: float,
    total_regions: dict[str, float],
    parts: Iterable[TransitionResult],
) -> TransitionResult:
    """The share of a lost (gained) area that went to (came from) no class."""
    parts = list(parts)
    area = max(0.0, total_m2 - sum(p.area_m2 for p in parts))
    regions = {}
    for code, value in total_regions.items():
        rest = value - sum(p.by_region.get(code, 0.0) for p in parts)
        if rest > 0:
            regions[code] = rest
    return TransitionResult(x, y, area, regions)


def transition_rows(
    period: Period, results: Sequence[TransitionResult], names: dict[str, str] | None
) -> list[tuple[object, ...]]:
    """Table rows of one period (tuples in TRANSITION_COLUMNS order): ``total`` for each
    pair, and each region (+ outside)."""
    rows: list[tuple[object, ...]] = []
    head = (period.start, period.end, period.from_date, period.to_date)
    for r in results:
        rows.append(
            (
                *head,
                TOTAL,
                TOTAL_NAME,
                r.from_status,
                r.to_status,
                r.area_m2 / M2_PER_KM2,
                period.gap_days,
            )
        )
        for code, name in (names or {}).items():
            km2 = r.by_region.get(code, 0.0) / M2_PER_KM2
            rows.append((*head, code, name, r.from_status, r.to_status, km2, period.gap_days))
    return rows


def make_transition_table(rows: Iterable[tuple[object, ...]]) -> pd.DataFrame:
    """A transitions table with the documented columns, in period / region order (built
    column by column from row tuples: a year of raw DeepState days per oblast is 200,000
    rows; issue 20)."""
    import pandas as pd

    rows = list(rows)
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TRANSITION_COLUMNS})
    columns = dict(zip(TRANSITION_COLUMNS, map(list, zip(*rows, strict=True)), strict=True))
    frame = pd.DataFrame(columns)
    frame["area_km2"] = frame["area_km2"].astype("float64")
    frame["gap_days"] = frame["gap_days"].astype("int64")
    return frame.reset_index(drop=True)
