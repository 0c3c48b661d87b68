"""Places on maps: the embedded label layer, its search keys, the places that changed hands per
step, and the places inside a gained or lost polygon (for its tooltip).

Everything here is plain data for the page script (geotools-map.js), which shows labels by
zoom (the biggest places first), searches the keys offline and marks the changed places.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geotools.places import Places, name_key
from geotools.read import ReadOptions

#: Population → the zoom from which a place's label shows (the biggest cities first, every
#: place from zoom 10).
LABEL_ZOOMS: tuple[tuple[float, int], ...] = (
    (500_000, 5),
    (100_000, 7),
    (20_000, 8),
    (5_000, 9),
)
ALL_PLACES_ZOOM = 10
#: How many place names a change polygon's tooltip lists (then "… N more").
TOOLTIP_PLACES = 12
#: Margin (degrees) around the map's bounds within which places are embedded.
MARGIN_DEG = 1.0


def label_zoom(population: np.ndarray) -> np.ndarray:
    """The zoom from which each place's label shows (unknown population: the last)."""
    pop = np.nan_to_num(population, nan=-1.0)
    out = np.full(len(pop), ALL_PLACES_ZOOM, dtype=int)
    for threshold, zoom in reversed(LABEL_ZOOMS):
        out[pop >= threshold] = zoom
    return out


@dataclass
class PlaceOverlay:
    """The places a map shows and, optionally, the ``place_changes`` table of its periods."""

    places: Places
    changes: pd.DataFrame | None = None
    _tree: tuple[CRS, shapely.STRtree, np.ndarray] | None = field(default=None, repr=False)

    def within(self, bounds: list[list[float]]) -> PlaceOverlay:
        """The places within the map's ``[[south, west], [north, east]]`` plus a margin."""
        (s, w), (n, e) = bounds
        p = self.places
        keep = (
            (p.lat >= s - MARGIN_DEG) & (p.lat <= n + MARGIN_DEG)
            & (p.lon >= w - MARGIN_DEG) & (p.lon <= e + MARGIN_DEG)
        )  # fmt: skip
        return PlaceOverlay(p.take(keep), self.changes)

    def inside(self, geoms: list[shapely.Geometry], crs: CRS) -> list[list[str]]:
        """For each polygon (in ``crs``), the names of the places inside it, biggest first
        (a polygon place counts by its label point)."""
        if self._tree is None or not self._tree[0].equals(crs):
            points = shapely.points(self.places.lon, self.places.lat)
            projected = replace(self.places, geometries=points).projected(crs)
            self._tree = (crs, shapely.STRtree(projected), projected)
        tree = self._tree[1]
        out: list[list[str]] = [[] for _ in geoms]
        if not geoms or not len(self.places):
            return out
        gi, pi = tree.query(np.asarray(geoms, dtype=object), predicate="contains")
        pop = np.nan_to_num(self.places.population, nan=0.0)
        found: dict[int, list[int]] = {}
        for g, p in zip(gi.tolist(), pi.tolist(), strict=True):
            found.setdefault(g, []).append(p)
        for g, ps in found.items():
            ps.sort(key=lambda i: (-pop[i], str(self.places.names[i])))
            names = [str(self.places.names[i]) for i in ps[:TOOLTIP_PLACES]]
            if len(ps) > TOOLTIP_PLACES:
                names.append(f"… {len(ps) - TOOLTIP_PLACES} more")
            out[g] = names
        return out

    def payload(self, periods: list[tuple[str, str]]) -> dict[str, Any]:
        """The page's place data: columns, search keys, and per step the changed places
        (``[index, status_from, status_to, changed_on]``) from the changes table."""
        p = self.places
        keys = [
            sorted({name_key(n) for n in (name, *alts)} - {""})
            for name, alts in zip(p.names, p.alternates, strict=True)
        ]
        index = {str(pid): i for i, pid in enumerate(p.ids)}
        changed: list[list[list[Any]]] = [[] for _ in periods]
        if self.changes is not None and len(self.changes):
            where = {period: k for k, period in enumerate(periods)}
            for r in self.changes.to_dict("records"):
                k = where.get((str(r["period_start"]), str(r["period_end"])))
                i = index.get(str(r["place_id"]))
                if k is None or i is None:
                    continue
                changed[k].append(
                    [i, str(r["status_from"]), str(r["status_to"]), str(r["changed_on"])]
                )
        return {
            "names": [str(n) for n in p.names],
            "lat": [round(float(v), 5) for v in p.lat],
            "lon": [round(float(v), 5) for v in p.lon],
            "population": [None if np.isnan(v) else int(v) for v in p.population],
            "zoom": label_zoom(p.population).tolist(),
            "keys": keys,
            "changed": changed,
            "source": p.source,
        }


def range_changes(timeline: pd.DataFrame, start: Any, end: Any) -> pd.DataFrame:
    """The places whose status changed from ``start`` to ``end``, from the changes table of
    contiguous periods covering that range: a period's end status is the next one's start
    status (the same snapshot), so a place's first ``status_from`` and last ``status_to`` are
    its statuses at the range's edges (a place in no row did not change at any edge)."""
    if not len(timeline):
        return timeline
    rows = timeline.sort_values("period_start", kind="stable")
    first = rows.groupby("place_id", sort=False).head(1).set_index("place_id")
    last = rows.groupby("place_id", sort=False).tail(1).set_index("place_id")
    out = first.copy()
    out["status_to"] = last["status_to"]
    out["period_start"], out["period_end"] = start, end
    out["to_date"] = last["to_date"]
    if "share_to" in out:
        out["share_to"] = last["share_to"]
    out = out[out["status_from"] != out["status_to"]]
    return out.reset_index()[list(timeline.columns)]


def place_overlay(
    steps_edges: list[Any],
    inputs: Any,
    read: ReadOptions,
    *,
    places: str | None = "default",
    min_population: float | None = None,
    regions: Any = None,
    crs: CRS | None = None,
    use_cache: bool = True,
    workers: int | None = None,
    show_progress: bool | None = None,
) -> PlaceOverlay:
    """The overlay of a map or report: the places (``"default"``: GeoNames, else a file) and
    the ``place_changes`` table of the periods between ``steps_edges``."""
    from geotools.place_changes import place_changes
    from geotools.places import load_places

    layer = load_places(
        None if places in (None, "default") else places, min_population=min_population
    )
    table = place_changes(
        inputs,
        period=None,
        edges=steps_edges,
        places=layer,
        regions=regions,
        options=read.with_crs(crs) if crs is not None else read,
        use_cache=use_cache,
        workers=workers,
        show_progress=show_progress,
    )
    return PlaceOverlay(layer, table)
