"""Self-contained folium map of where two sources disagree: the territory only A, only B or
both call Russian-controlled, per date pair (a slider when there are several pairs).

The page is built like the change map (``maps.py``): the same inlined Leaflet, base layers,
offline land outline, fullscreen and measure tools, and every string from the input is shown
as text. Tooltip numbers come from the compare table (unsimplified geometry); a polygon part's
own km² is measured on the part before simplification. Geometry is simplified for display only.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Hashable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.template import Template

from geotools.compare import KINDS, CompareResult, Comparison
from geotools.compare_outliers import OUTLIER, outlier_threshold
from geotools.errors import UsageError
from geotools.regions import OUTSIDE
from geotools.render.assets import json_for_script, script_safe
from geotools.render.basemap import display_land, land_json
from geotools.render.display import geometry_json, lonlat, parts, simplify_coverage
from geotools.render.maps import RegionFinder, regions_json
from geotools.render.page import add_tools, base_map, check_tiles, js_object, write_page
from geotools.render.style import (
    BOTH,
    CHANGE_TOLERANCE_M,
    ONLY_A,
    ONLY_B,
    OUTLINE_TOLERANCE_M,
    REGION_TOLERANCE_M,
)
from geotools.snapshot import M2_PER_KM2
from geotools.table import TOTAL

log = logging.getLogger(__name__)

#: Its own palette (issue 18; style.ONLY_A / ONLY_B / BOTH): a disagreement is not a gain or
#: a loss, so it does not borrow their colours; the shared territory in a neutral grey, so
#: the disputed slivers stand out on it.
COLORS = {"only_a": ONLY_A, "only_b": ONLY_B, "both": BOTH}
SCRIPT = "static/geotools-compare.js"
#: Per region and pair, in this order, from the compare table.
NUMBERS = ("only_a_km2", "only_b_km2", "both_km2", "area_a_km2", "area_b_km2", "disagreement_km2")


def kind_labels(label_a: str, label_b: str) -> dict[str, str]:
    """Layer and legend names of the three kinds (plain text: escape before use as HTML)."""
    return {
        "only_a": f"Only {label_a} calls it Russian-controlled",
        "only_b": f"Only {label_b} calls it Russian-controlled",
        "both": "Both call it Russian-controlled",
    }


def _pair_rows(table: pd.DataFrame, comp: Comparison) -> pd.DataFrame:
    return table[(table["date_a"] == comp.a.date) & (table["date_b"] == comp.b.date)]


def _numbers(row: dict[Hashable, Any]) -> list[float]:
    return [float(row[col]) for col in NUMBERS]


def _step_json(
    comp: Comparison, finder: RegionFinder, table: pd.DataFrame, tol_m: float
) -> dict[str, Any]:
    crs, unit = comp.a.crs, comp.a.m2_per_unit
    pieces = [(kind, part) for kind in KINDS for part in parts(getattr(comp, kind))]
    originals = [p for _, p in pieces]
    # one coverage: only-A, only-B and both never overlap, so their shared borders stay shared
    shown = simplify_coverage(originals, tol_m, unit)
    codes = finder.codes(originals)
    features = []
    for (kind, original), display, where in zip(pieces, shown, codes, strict=True):
        geom = geometry_json(lonlat(display, crs))
        if geom is None:
            continue
        area = float(shapely.area(original)) * unit / M2_PER_KM2
        props = {"kind": kind, "area_km2": area, "regions": where}
        features.append({"type": "Feature", "properties": props, "geometry": geom})
    rows = _pair_rows(table, comp).to_dict("records")
    totals = next((_numbers(r) for r in rows if r["region"] == TOTAL), None)
    # issue 18: a pair whose disagreement is an outlier of the run (compare_outliers)
    outlier = any(bool(r.get(OUTLIER, False)) for r in rows if r["region"] == TOTAL)
    return {
        "outlier": outlier,
        "date_a": comp.a.date.isoformat(),
        "date_b": comp.b.date.isoformat(),
        "days_apart": (comp.b.date - comp.a.date).days,
        "features": {"type": "FeatureCollection", "features": features},
        "totals": totals,
        "regions": {str(r["region"]): _numbers(r) for r in rows if r["region"] != TOTAL},
    }


def compare_payload(
    result: CompareResult,
    title: str,
    tolerance_m: float = CHANGE_TOLERANCE_M,
    region_tolerance_m: float = REGION_TOLERANCE_M,
) -> dict[str, Any]:
    """The JSON the compare script draws (plain data; every string is shown as text)."""
    if not result.comparisons:
        raise UsageError("nothing to map: no pair of dates was compared")
    first = result.comparisons[0]
    finder = RegionFinder(result.regions)
    steps = [_step_json(c, finder, result.table, tolerance_m) for c in result.comparisons]
    regions, names = None, {}
    # issue 18 point 9: land at three scales (no frame), the regions drawn on it only
    land = display_land(result.crs, OUTLINE_TOLERANCE_M, first.a.m2_per_unit)
    if result.regions is not None:
        regions = regions_json(result.regions, region_tolerance_m, result.table, land)
        # every region a polygon may lie in, also those the table leaves out (--region)
        names = dict(zip(result.regions.codes, result.regions.names, strict=True))
    return {
        "title": title,
        "label_a": first.label_a,
        "label_b": first.label_b,
        "kinds": list(KINDS),
        "kind_labels": kind_labels(first.label_a, first.label_b),
        "colors": COLORS,
        "outside": OUTSIDE,
        "steps": steps,
        "regions": regions,
        "region_names": names,
        "outline": land_json(land, result.crs),
        # issue 18: the outlier rule's figures, for the info box
        "outlier_limit": outlier_threshold(result.series()["disagreement_km2"].tolist()),
        "median_km2": float(result.series()["disagreement_km2"].median()),
    }


def _bounds(result: CompareResult) -> list[list[float]]:
    geoms = [getattr(c, kind) for c in result.comparisons for kind in KINDS]
    geoms = [g for g in geoms if g is not None and not shapely.is_empty(g)]
    if not geoms and result.regions is not None:
        geoms = [result.regions.union]
    if not geoms:
        return [[44.0, 22.0], [53.0, 41.0]]
    box = shapely.box(*shapely.total_bounds(np.asarray(geoms, dtype=object)))
    x0, y0, x1, y1 = shapely.bounds(lonlat(shapely.segmentize(box, 10_000.0), result.crs))
    return [[float(y0), float(x0)], [float(y1), float(x1)]]


def _script_html() -> str:
    js = resources.files("geotools.render").joinpath(SCRIPT).read_text("utf-8")
    return f"<script>/* {SCRIPT} */\n{script_safe(js)}\n</script>"


class _CompareLayers(MacroElement):
    """Calls the inlined compare script with the layer groups and the data."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            geotoolsCompareMap(
                {{ this._parent.get_name() }}, {{ this.groups }}, {{ this.payload }});
        {% endmacro %}
        """
    )

    def __init__(self, groups: str, payload: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "GeotoolsCompare"
        self.groups = groups
        self.payload = payload


def default_title(result: CompareResult) -> str:
    """'deepstate 2024-08-29 vs isw 2024-08-29', or the range of a series of pairs."""
    comps = result.comparisons
    first, last = comps[0], comps[-1]
    if len(comps) == 1:
        return f"{first.label_a} {first.a.date} vs {first.label_b} {first.b.date}"
    return (
        f"{first.label_a} vs {first.label_b}: {len(comps)} date pairs, "
        f"{first.a.date.isoformat()} … {last.a.date.isoformat()}"
    )


def build_compare_map(
    result: CompareResult,
    title: str | None = None,
    tiles: Sequence[str] = ("none",),
    tolerance_m: float = CHANGE_TOLERANCE_M,
    region_tolerance_m: float = REGION_TOLERANCE_M,
) -> folium.Map:
    """The folium Map of a comparison (self-contained once rendered)."""
    tiles = check_tiles(tiles)
    if not result.comparisons:
        raise UsageError("nothing to map: no pair of dates was compared")
    title = title or default_title(result)
    payload = compare_payload(result, title, tolerance_m, region_tolerance_m)
    bounds = _bounds(result)
    payload["bounds"] = bounds
    from geotools.render.context import compare_credit

    payload["credit"] = compare_credit(result)  # issue 18: sources, dates, CRS
    m = base_map(title, tiles, bounds, payload["outline"], [("geotools_compare", _script_html())])
    groups: dict[str, str] = {}
    if result.regions is not None:
        fg = folium.FeatureGroup(name="Regions (the table's figures)")
        fg.add_to(m)
        groups["regions"] = fg.get_name()
    for kind in ("both", "only_a", "only_b"):
        fg = folium.FeatureGroup(name=html.escape(payload["kind_labels"][kind]))
        fg.add_to(m)
        groups[kind] = fg.get_name()

    m.add_child(_CompareLayers(js_object(groups), json_for_script(payload)))
    add_tools(m, bounds)
    return m


def render_compare_map(result: CompareResult, **kwargs: Any) -> str:
    """The comparison map as one self-contained HTML document."""
    html_text: str = build_compare_map(result, **kwargs).get_root().render()
    return html_text


def write_compare_map(result: CompareResult, dest: str | Path, **kwargs: Any) -> int:
    """Write the comparison map to ``dest`` atomically; returns its size in bytes."""
    return write_page(
        render_compare_map(result, **kwargs),
        dest,
        "compare fewer dates or use a larger --simplify",
    )
