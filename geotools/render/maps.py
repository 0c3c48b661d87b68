"""Self-contained folium maps of change: one period, or a timeline with a slider.

The map draws, per period: the control area at the period's end (per status class), the
gained and lost polygons on top, and underneath a per-region choropleth of net change. The
numbers in tooltips, the info box and the legend come from the Table; a polygon part's own
km² is measured on the part before simplification. Geometry is simplified for display only.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.template import Template

from geotools.errors import UsageError
from geotools.regions import OUTSIDE, RegionLayer
from geotools.render.basemap import borders_json, display_land, land_json, on_land
from geotools.render.data import MapData, Step
from geotools.render.display import geometry_json, lonlat, parts, simplify_coverage, union_parts
from geotools.render.edges import EdgeBand, map_edges
from geotools.render.encode import pack_controls, script_payload
from geotools.render.page import add_tools, base_map, check_tiles, js_object, write_page
from geotools.render.places_layer import PlaceOverlay
from geotools.render.style import (
    CHANGE_TOLERANCE_M,
    GAINED,
    LOST,
    NET_RAMP,
    OUTLINE_TOLERANCE_M,
    REGION_OPACITY,
    REGION_TOLERANCE_M,
    main_status,
    status_colors,
)
from geotools.snapshot import M2_PER_KM2
from geotools.table import TOTAL

log = logging.getLogger(__name__)


def _day(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _period_rows(table: pd.DataFrame, step: Step) -> pd.DataFrame:
    p = step.period
    return table[(table["period_start"] == p.start) & (table["period_end"] == p.end)]


def _totals(rows: pd.DataFrame) -> dict[str, dict[str, float]]:
    out = {}
    for r in rows[rows["region"] == TOTAL].to_dict("records"):
        out[str(r["status"])] = {
            "area_from": float(r["area_from_km2"]),
            "area_to": float(r["area_to_km2"]),
            "gained": float(r["gained_km2"]),
            "lost": float(r["lost_km2"]),
            "net": float(r["net_km2"]),
        }
    return out


def _region_values(rows: pd.DataFrame) -> dict[str, dict[str, list[float]]]:
    out: dict[str, dict[str, list[float]]] = {}
    mask = ~rows["region"].isin([TOTAL, OUTSIDE])
    for r in rows[mask].to_dict("records"):
        out.setdefault(str(r["status"]), {})[str(r["region"])] = _figures(r)
    return out


def _outside_values(rows: pd.DataFrame) -> dict[str, list[float]]:
    """Gained, lost, net outside all regions, per status (for tooltips; not on the ramp)."""
    return {
        str(r["status"]): _figures(r) for r in rows[rows["region"] == OUTSIDE].to_dict("records")
    }


def _figures(row: Mapping[Hashable, Any]) -> list[float]:
    return [float(row["gained_km2"]), float(row["lost_km2"]), float(row["net_km2"])]


class RegionFinder:
    """Codes of the regions a polygon part lies in, largest share first (a label and a key:
    the numbers per region come from the Table)."""

    def __init__(self, layer: RegionLayer | None) -> None:
        self.layer = layer
        self.tree = shapely.STRtree(layer.geometries) if layer is not None else None

    def codes(self, geoms: Sequence[shapely.Geometry]) -> list[list[str]]:
        """For each geometry, the codes of the regions it overlaps, largest share first."""
        out: list[list[str]] = [[] for _ in geoms]
        if self.layer is None or self.tree is None or not geoms:
            return out
        arr = np.asarray(list(geoms), dtype=object)
        inputs, hits = self.tree.query(arr, predicate="intersects")
        found: dict[int, list[int]] = {}
        for i, j in zip(inputs.tolist(), hits.tolist(), strict=True):
            found.setdefault(i, []).append(j)
        for i, js in found.items():
            if len(js) > 1:  # straddles (or touches) a border: order by the area in each
                areas = shapely.area(shapely.intersection(self.layer.geometries[js], arr[i]))
                ranked = sorted((-a, j) for a, j in zip(areas.tolist(), js, strict=True) if a > 0)
                js = [j for _, j in ranked] or js
            out[i] = [self.layer.codes[j] for j in js]
        return out


def _step_json(
    step: Step,
    finder: RegionFinder,
    table: pd.DataFrame,
    tol_m: float,
    places: PlaceOverlay | None = None,
    edges: EdgeBand | None = None,
) -> dict[str, Any]:
    snap = step.snapshot
    changes = {c.status: c for c in step.changes}
    statuses = sorted(set(snap.geometries) | set(changes))
    # Every polygon drawn, of every status, in one list simplified together: a border two
    # classes share (or what one lost and another gained) is simplified once, so it stays
    # shared. Per status: (held, gained, lost) as slices of that list.
    pieces: list[shapely.Geometry] = []
    slices: dict[str, tuple[slice, slice, slice]] = {}
    for status in statuses:
        ch = changes.get(status)
        now = snap.geometries.get(status)
        gained = parts(ch.gained) if ch is not None else []
        lost = parts(ch.lost) if ch is not None else []
        if now is not None and gained:
            held = parts(shapely.difference(now, shapely.union_all(gained)))
        else:
            held = parts(now)
        k = len(pieces)
        g, lo = k + len(held), k + len(held) + len(gained)
        slices[status] = (slice(k, g), slice(g, lo), slice(lo, lo + len(lost)))
        pieces += held + gained + lost
    simple = simplify_coverage(pieces, tol_m, snap.m2_per_unit)
    control_features: list[dict[str, Any]] = []
    change_features: list[dict[str, Any]] = []
    for status in statuses:
        held_s, gained_s, lost_s = slices[status]
        control = union_parts(simple[held_s] + simple[gained_s])
        geom = geometry_json(lonlat(control, snap.crs))
        if geom is not None:
            control_features.append(
                {"type": "Feature", "properties": {"status": status}, "geometry": geom}
            )
        for kind, where in (("gained", gained_s), ("lost", lost_s)):
            originals = pieces[where]
            codes = finder.codes(originals)
            # places: the names of the places inside each polygon (issue 17)
            inside = places.inside(originals, snap.crs) if places else [[] for _ in originals]
            for original, display, in_regions, names in zip(
                originals, simple[where], codes, inside, strict=True
            ):
                geom = geometry_json(lonlat(display, snap.crs))
                if geom is None:
                    continue
                area = float(shapely.area(original)) * snap.m2_per_unit / M2_PER_KM2
                props = {"change": kind, "status": status, "area_km2": area, "regions": in_regions}
                if finder.layer is not None:  # issue 18: this polygon's km² in each region
                    props["shares"] = polygon_shares(finder.layer, original)
                if names:
                    props["places"] = names
                if edges is not None and edges.on_edge(original):  # issue 18 point 5
                    props["edge"] = True
                change_features.append({"type": "Feature", "properties": props, "geometry": geom})
    rows = _period_rows(table, step)
    p = step.period
    return {
        "start": p.start.isoformat(),
        "end": p.end.isoformat(),
        "from": p.from_date.isoformat(),
        "to": p.to_date.isoformat(),
        "gap_days": p.gap_days,
        "control": {"type": "FeatureCollection", "features": control_features},
        "changes": {"type": "FeatureCollection", "features": change_features},
        "totals": _totals(rows),
        "regions": _region_values(rows),
        "outside": _outside_values(rows),
    }


def polygon_shares(layer: RegionLayer, geom: shapely.Geometry) -> list[list[Any]]:
    """[code, km²] of ``geom`` in each region it lies in, largest first, with ``outside``
    (the part outside all regions) last: the shares add up to the polygon's area."""
    # to the m² (the tooltip shows 3 decimals): full floats would add ~5 % to a timeline
    km2 = {code: round(m2 / M2_PER_KM2, 6) for code, m2 in layer.allocate(geom).items()}
    inside = sorted(((c, a) for c, a in km2.items() if c != OUTSIDE), key=lambda x: -x[1])
    rows = [[c, a] for c, a in inside]
    if km2.get(OUTSIDE, 0.0) > 0:
        rows.append([OUTSIDE, km2[OUTSIDE]])
    return rows


def regions_json(
    layer: RegionLayer, tol_m: float, table: pd.DataFrame, land: shapely.Geometry | None = None
) -> dict[str, Any]:
    """The regions with rows in ``table``, simplified for display, with their figures;
    with ``land`` (issue 18), drawn on land only, and their borders as lines ("borders")."""
    # only the regions the Table has rows for (--region keeps some): a region drawn without
    # numbers would only say "no row in the table"
    shown = set(table["region"].astype(str))
    keep = [i for i, code in enumerate(layer.codes) if code in shown]
    simple = simplify_coverage([layer.geometries[i] for i in keep], tol_m, layer.m2_per_unit)
    # --- issue 18 point 9: no second coastline (render/basemap.py) ---
    borders = None
    if land is not None:
        simple = on_land(simple, land)
        borders = borders_json(simple, land, layer.crs, layer.m2_per_unit)
    # --- end issue 18 point 9 ---
    features = []
    codes, names = [layer.codes[i] for i in keep], [layer.names[i] for i in keep]
    for code, name, geom in zip(codes, names, simple, strict=True):
        g = geometry_json(lonlat(geom, layer.crs))
        if g is not None:
            features.append(
                {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": g}
            )
    out: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if borders is not None:
        out["borders"] = borders
    return out


def map_payload(
    data: MapData,
    title: str,
    tolerance_m: float = CHANGE_TOLERANCE_M,
    region_tolerance_m: float = REGION_TOLERANCE_M,
    places: PlaceOverlay | None = None,
) -> dict[str, Any]:
    """The JSON the map script draws (plain data; every string is shown as text).

    ``places``: the place labels, their search keys, the places changed per step and the
    places inside each change polygon (see geotools.render.places_layer)."""
    finder = RegionFinder(data.regions)
    edges = map_edges(data)  # issue 18 point 5: changes along the border or the coast
    steps = []
    previous: tuple[bytes, dict[str, Any]] | None = None
    for i, step in enumerate(data.steps):
        js = _step_json(step, finder, data.table, tolerance_m, places, edges)
        # unchanged control areas (a period without change) are stored once
        key = shapely.to_wkb(shapely.GeometryCollection(list(step.snapshot.geometries.values())))
        if previous is not None and previous[0] == key and not js["changes"]["features"]:
            js["control_same_as"] = previous[1]["index"]
            js["control"] = None
        else:
            previous = (key, {"index": i})
        steps.append(js)
    statuses = sorted({s for st in steps for s in st["totals"]})
    net_max = {}
    for status in statuses:
        values = [abs(v[2]) for st in steps for v in st["regions"].get(status, {}).values()]
        net_max[status] = max(values, default=0.0) or 1.0
    # issue 18 point 9: land at three scales (no frame), the regions drawn on it only
    land = display_land(data.crs, OUTLINE_TOLERANCE_M, data.steps[0].snapshot.m2_per_unit)
    outline = land_json(land, data.crs)
    from geotools.render.context import credit_line

    return {
        "title": title,
        # issue 18 point 5: the band's width, when some change lies in it (for the legend)
        "edge_km": edges.tolerance_km
        if edges is not None
        and any(f["properties"].get("edge") for st in steps for f in st["changes"]["features"])
        else None,
        # issue 18: the source, the snapshot dates and the equal-area CRS, as plain text
        "credit": credit_line(data),
        "statuses": statuses,
        "colors": {"gained": GAINED, "lost": LOST, "status": status_colors(statuses)},
        "ramp": list(NET_RAMP),
        "region_opacity": REGION_OPACITY,
        "net_max": net_max,
        "steps": steps,
        "regions": regions_json(data.regions, region_tolerance_m, data.table, land)
        if data.regions
        else None,
        # every region a change may lie in, also those the Table leaves out (--region)
        "region_names": dict(zip(data.regions.codes, data.regions.names, strict=True))
        if data.regions
        else {},
        "outline": outline,
        "places": places.payload(
            [(s.period.start.isoformat(), s.period.end.isoformat()) for s in data.steps]
        )
        if places
        else None,
    }


class _GeotoolsLayers(MacroElement):
    """Calls the inlined map script with the layer groups and the data."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            geotoolsMap({{ this._parent.get_name() }}, {{ this.groups }}, {{ this.payload }});
        {% endmacro %}
        """
    )

    def __init__(self, groups: str, payload: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "GeotoolsLayers"
        self.groups = groups
        self.payload = payload


def _bounds(data: MapData, payload: dict[str, Any]) -> list[list[float]]:
    # the control areas and changes, not the whole region layer: the front is what matters
    geoms = [g for st in data.steps for g in st.snapshot.geometries.values()]
    geoms += [g for st in data.steps for c in st.changes for g in (c.gained, c.lost)]
    geoms = [g for g in geoms if g is not None and not shapely.is_empty(g)]
    if not geoms and data.regions is not None:
        geoms = [data.regions.union]
    if not geoms:
        return [[44.0, 22.0], [53.0, 41.0]]
    box = shapely.box(*shapely.total_bounds(np.asarray(geoms, dtype=object)))
    x0, y0, x1, y1 = shapely.bounds(lonlat(shapely.segmentize(box, 10_000.0), data.crs))
    return [[float(y0), float(x0)], [float(y1), float(x1)]]


def build_map(
    data: MapData,
    title: str | None = None,
    tiles: Sequence[str] = ("none",),
    tolerance_m: float = CHANGE_TOLERANCE_M,
    region_tolerance_m: float = REGION_TOLERANCE_M,
    status: str | None = None,
    places: PlaceOverlay | None = None,
) -> folium.Map:
    """The folium Map (self-contained once rendered: every script and style is inlined).

    ``status``: the class whose choropleth is on at first (default: see ``main_status``);
    ``places``: place labels, search and the places that changed hands (issue 17).
    """
    tiles = check_tiles(tiles)
    if not data.steps:
        raise UsageError("nothing to map: no complete period in the range")
    title = title or default_title(data)
    if places is not None:
        places = places.within(_bounds(data, {}))
    payload = map_payload(data, title, tolerance_m, region_tolerance_m, places)
    # --- issue 18 points 12 and 4 (timeline encoding, line of contact): geotools.render.encode
    from geotools.render.front_layer import front_payload

    payload["control_track"] = pack_controls(payload["steps"])
    payload["front"] = front_payload(data, tolerance_m)
    # --- end issue 18 points 12 and 4
    bounds = _bounds(data, payload)
    payload["bounds"] = bounds
    m = base_map(title, tiles, bounds, payload["outline"])
    groups: dict[str, str] = {}
    region_groups: dict[str, str] = {}
    control_groups: dict[str, str] = {}
    # one choropleth on at first (occupied, or the first class): stacked, they hide each other
    statuses = payload["statuses"]
    primary = main_status(statuses, status)
    if data.regions is not None:
        for status in statuses:
            fg = folium.FeatureGroup(
                name=html.escape(f"Net change by region: {status}"), show=status == primary
            )
            fg.add_to(m)
            region_groups[status] = fg.get_name()
    for status in payload["statuses"]:
        fg = folium.FeatureGroup(name=html.escape(f"Control area: {status}"))
        fg.add_to(m)
        control_groups[status] = fg.get_name()
    for kind in ("gained", "lost"):
        fg = folium.FeatureGroup(name=f"{kind.capitalize()} in the period")
        fg.add_to(m)
        groups[kind] = fg.get_name()
    if data.regions is not None:  # issue 18: borders stay when the choropleth is off
        fg = folium.FeatureGroup(name="Region borders")
        fg.add_to(m)
        groups["outlines"] = fg.get_name()
    if payload["front"] is not None:  # --- issue 18 point 4: the line of contact
        fg = folium.FeatureGroup(name="Line of contact")
        fg.add_to(m)
        groups["front"] = fg.get_name()
    if payload["places"] is not None:
        fg = folium.FeatureGroup(name="Places")
        fg.add_to(m)
        groups["places"] = fg.get_name()
    groups["control"] = js_object(control_groups)
    groups["regions"] = js_object(region_groups)
    # issue 18 point 12: the bulky parts through JSON.parse (faster to parse)
    m.add_child(_GeotoolsLayers(js_object(groups), script_payload(payload)))
    add_tools(m, bounds)
    return m


def default_title(data: MapData) -> str:
    """'Change 2024-11-01 → 2024-12-01 (DeepState)', or with the inputs described when no
    source is known ('(31 files in daily/)': a folder's name is not a cadence)."""
    from geotools.render.context import source_text

    kind = "Timeline" if len(data.steps) > 1 else "Change"
    text = f"{kind} {data.start.isoformat()} → {data.end.isoformat()}"
    sources = source_text(data) if (data.source_label or data.sources) else ""
    return f"{text} ({sources})" if sources else text


def render_map(data: MapData, **kwargs: Any) -> str:
    """The map as one self-contained HTML document."""
    html_text: str = build_map(data, **kwargs).get_root().render()
    return html_text


def write_map(data: MapData, dest: str | Path, **kwargs: Any) -> int:
    """Write the map to ``dest`` atomically; returns its size in bytes."""
    return write_page(
        render_map(data, **kwargs),
        dest,
        "use a longer --period, a shorter range or a larger --simplify",
    )
