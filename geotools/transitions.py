"""Transition matrices: km² that went from one status class to another between two snapshots.

With disjoint classes (a profile's precedence makes them so), the area that was X before and
is Y after (X ≠ Y) is exactly ``lost(X) ∩ gained(Y)``: so only the small change polygons are
intersected, part by part (each part of one against the parts of the other that meet it).
Area that left X for no class is ``unmarked`` (lost(X) minus every transition out of X), area
that entered Y from no class is ``unmarked → Y``; each row of the matrix sums to ``lost(X)``
and each column to ``gained(Y)``, by construction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from geotools.clean import polygonal
from geotools.periods import Period
from geotools.regions import RegionLayer
from geotools.snapshot import M2_PER_KM2, Change
from geotools.sources.profile import UNMARKED
from geotools.table import TOTAL, TOTAL_NAME
from geotools.table_frame import Numbering

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
    lost = {c: _Pieces(by_status[c].lost if c in by_status else empty) for c in classes}
    gained = {c: _Pieces(by_status[c].gained if c in by_status else empty) for c in classes}
    out: list[TransitionResult] = []
    moved: dict[tuple[str, str], TransitionResult] = {}
    pieces: list[tuple[TransitionResult, shapely.Geometry]] = []
    for x in classes:
        for y in classes:
            if x == y:
                continue
            res = TransitionResult(x, y, 0.0)
            piece = lost[x].overlap(gained[y])
            if piece is not None:
                res.area_m2 = float(shapely.area(piece)) * m2_per_unit
                pieces.append((res, piece))
            moved[(x, y)] = res
    if layer is not None and pieces:  # allocated in one pass (issue 20)
        shares = layer.allocate_many([piece for _, piece in pieces])
        for (res, _), share in zip(pieces, shares, strict=True):
            res.by_region = share
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


class _Pieces:
    """A change polygon's parts, with an index tree and their normalised WKB made when first
    asked for."""

    def __init__(self, geom: shapely.Geometry) -> None:
        self.parts = shapely.get_parts(geom)
        self._tree: shapely.STRtree | None = None
        self._shapes: dict[bytes, int] | None = None

    def tree(self) -> shapely.STRtree:
        """The parts' index."""
        if self._tree is None:
            self._tree = shapely.STRtree(self.parts)
        return self._tree

    def shapes(self) -> dict[bytes, int]:
        """Each part's index by its normalised WKB: two parts with the same bytes are the same
        polygon, vertex for vertex (the first, should one polygon be there twice)."""
        if self._shapes is None:
            keys = shapely.to_wkb(shapely.normalize(self.parts)).tolist()
            self._shapes = {}
            for i, key in enumerate(keys):
                self._shapes.setdefault(key, i)
        return self._shapes

    def overlap(self, other: _Pieces) -> shapely.Geometry | None:
        """``self ∩ other`` part by part (None when no part of one meets one of the other): each
        part of one against the parts of the other that meet it, not one overlay of the two
        whole change polygons (issue 20: a day on which DeepState moved every vertex by a few
        centimetres leaves some 500 slivers a class; the whole overlay took 87 ms of the
        pair's transitions, part by part 19 ms). The parts of a valid MultiPolygon meet at
        most in points, so the pieces do too: together they are the intersection.

        A part of one that is a part of the other, vertex for vertex once both are normalised
        (its *twin*: on such a day three candidate pairs in four), is its own piece, with no
        overlay (issue 20: 0.49-0.54 s of a raw year's transitions, 0.41-0.42 s so). No other
        candidate pair with either twin is overlaid: the twins are one polygon, and every other
        part of either side is apart from it (the parts of a valid MultiPolygon meet at most in
        points), so such a pair shares no area.
        """
        if len(self.parts) == 0 or len(other.parts) == 0:
            return None
        mine, theirs = other.tree().query(self.parts, predicate="intersects")
        if len(mine) == 0:
            return None
        order = np.lexsort((theirs, mine))
        mine, theirs = mine[order], theirs[order]
        twin = np.full(len(self.parts), -1)
        found_at = other.shapes()
        for key, i in self.shapes().items():
            twin[i] = found_at.get(key, -1)
        paired = twin[mine] == theirs  # a twin pair (it is a candidate: the same box)
        twinned = np.zeros(len(other.parts), dtype=bool)
        twinned[twin[twin >= 0]] = True
        cut = ~paired & (twin[mine] < 0) & ~twinned[theirs]
        pieces = np.empty(len(mine), dtype=object)
        pieces[paired] = self.parts[mine[paired]]
        pieces[cut] = [
            polygonal(g)
            for g in shapely.intersection(self.parts[mine[cut]], other.parts[theirs[cut]])
        ]
        found = shapely.get_parts(pieces[paired | cut])
        return shapely.multipolygons(found) if len(found) else shapely.MultiPolygon()


def _allocation(
    change: Change | None,
    which: str,
    layer: RegionLayer | None,
    allocated: Mapping[tuple[str, str], dict[str, float]] | None = None,
) -> dict[str, float]:
    if change is None or layer is None:
        return {}
    if allocated is not None and (change.status, which) in allocated:
        return allocated[(change.status, which)]  # issue 20: measured once, in pairs.account
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


class TransitionRows:
    """A run's transitions table (TRANSITION_COLUMNS): per period, ``total`` for each pair of
    classes and each region (+ outside). A year of raw DeepState days per oblast is 211,700
    rows: kept a period at a time, and made into columns from the few distinct values each
    text and date column holds (issue 20: pandas inferring the type of each of its values took
    0.1–0.2 s; the frame is the same, dtypes included: tests/test_transitions.py)."""

    def __init__(self) -> None:
        # per period: the period, the region codes and labels (total first), and per
        # transition its (from, to) and area_km2 in each of those regions
        self._blocks: list[tuple[Period, list[str], list[str], list[tuple[str, str]]]] = []
        self._areas: list[float] = []
        self.keep: set[str] | None = None  # only these regions (and ``total``), when set

    def only_regions(self, keep: set[str]) -> None:
        """Keep only the rows of these regions (codes; include ``total``) in the frame."""
        self.keep = set(keep)

    def add(
        self, period: Period, results: Sequence[TransitionResult], names: dict[str, str] | None
    ) -> None:
        """The rows of one period's transitions."""
        codes = [TOTAL, *(names or {})]
        labels = [TOTAL_NAME, *(names or {}).values()]
        moved = [(r.from_status, r.to_status) for r in results]
        self._blocks.append((period, codes, labels, moved))
        areas = self._areas
        for r in results:
            got = r.by_region.get
            areas.append(r.area_m2 / M2_PER_KM2)
            areas.extend([got(code, 0.0) / M2_PER_KM2 for code in codes[1:]])

    def frame(self) -> pd.DataFrame:
        """The transitions table (a pandas DataFrame)."""
        import pandas as pd

        if not self._areas:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in TRANSITION_COLUMNS})
        frame = self._coded() if self._plain_values() else None
        if frame is None:  # unusual values: as pandas makes them of the plain lists
            frame = pd.DataFrame(self._columns())
            frame["area_km2"] = frame["area_km2"].astype("float64")
            frame["gap_days"] = frame["gap_days"].astype("int64")
        if self.keep is not None:
            frame = frame[frame["region"].isin(self.keep)].reset_index(drop=True)
        return frame

    def _plain_values(self) -> bool:
        """Whether every date is a plain ``datetime.date``, every count an ``int`` and every
        text a ``str`` (what :meth:`_coded` makes columns of as pandas would)."""
        dates = {type(getattr(p, f)) for p, *_ in self._blocks for f in _PERIOD_DATES.values()}
        counts = {type(p.gap_days) for p, *_ in self._blocks}
        texts = {type(t) for _, codes, labels, _ in self._blocks for t in (*codes, *labels)}
        texts |= {type(t) for *_, moves in self._blocks for move in moves for t in move}
        return dates == {dt.date} and counts == {int} and texts == {str}

    def _coded(self) -> pd.DataFrame:
        """The frame, each text and date column taken from its distinct values."""
        import pandas as pd

        sizes = np.array([len(codes) * len(moves) for _, codes, _, moves in self._blocks])
        columns: dict[str, Any] = {}
        for c, f in _PERIOD_DATES.items():
            held = np.empty(len(self._blocks), dtype=object)
            held[:] = [getattr(p, f) for p, *_ in self._blocks]
            columns[c] = pd.Series(np.repeat(held, sizes), dtype=object)
        regions, names, moves = Numbering(), Numbering(), Numbering()
        # a period's rows are numbered once for each distinct layout of them (regions, their
        # names, the transitions): a run's periods almost all share one (issue 20)
        layouts: dict[tuple[Any, ...], tuple[np.ndarray, ...]] = {}
        coded: list[tuple[np.ndarray, ...]] = []
        for _, codes, labels, moved in self._blocks:
            layout = (*codes, None, *labels, None, *moved)  # (None: no code, label, pair)
            found = layouts.get(layout)
            if found is None:
                found = (
                    np.tile(regions.of(codes), len(moved)),
                    np.tile(names.of(labels), len(moved)),
                    np.repeat(moves.of([x for x, _ in moved]), len(codes)),
                    np.repeat(moves.of([y for _, y in moved]), len(codes)),
                )
                layouts[layout] = found
            coded.append(found)
        region_at, name_at, from_at, to_at = zip(*coded, strict=True)
        columns["region"] = _column(regions, list(region_at))
        columns["region_name"] = _column(names, list(name_at))
        columns["from_status"] = _column(moves, list(from_at))
        columns["to_status"] = _column(moves, list(to_at))
        columns["area_km2"] = np.asarray(self._areas, dtype=np.float64)
        gaps = np.array([p.gap_days for p, *_ in self._blocks], dtype=np.int64)
        columns["gap_days"] = np.repeat(gaps, sizes)
        return pd.DataFrame({c: columns[c] for c in TRANSITION_COLUMNS})

    def _columns(self) -> dict[str, list[object]]:
        """The plain columns (lists of values)."""
        cols: dict[str, list[object]] = {c: [] for c in TRANSITION_COLUMNS}
        for period, codes, labels, moved in self._blocks:
            n = len(moved) * len(codes)
            for name, f in (*_PERIOD_DATES.items(), ("gap_days", "gap_days")):
                cols[name].extend([getattr(period, f)] * n)
            cols["region"].extend(codes * len(moved))
            cols["region_name"].extend(labels * len(moved))
            for x, y in moved:
                cols["from_status"].extend([x] * len(codes))
                cols["to_status"].extend([y] * len(codes))
        cols["area_km2"] = list(self._areas)
        return cols


#: The frame's date columns, and the Period field each one is.
_PERIOD_DATES = {
    "period_start": "start",
    "period_end": "end",
    "from_date": "from_date",
    "to_date": "to_date",
}


def _column(numbering: Numbering, pieces: list[np.ndarray]) -> pd.Series:
    """The column of the texts numbered ``pieces``, one after the other (as
    table_frame.text_column makes it). Issue 20: a period's piece is the same array for every
    period of one layout (``_coded``), so each distinct piece is taken once and the column
    joins those (an Arrow column refers to them, no copy): a raw DeepState year's 211,700
    rows cost 40-50 ms of taking texts after a run, about 1 ms so."""
    import pandas as pd

    distinct: Any = pd.Series(numbering.values).array
    taken: dict[int, Any] = {}
    for piece in pieces:
        if id(piece) not in taken:
            taken[id(piece)] = distinct.take(piece)
    joined = type(distinct)._concat_same_type([taken[id(piece)] for piece in pieces])
    return pd.Series(joined)
