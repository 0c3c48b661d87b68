"""The page every geotools map is built on: the inlined assets, the base layers (tiles or the
offline land outline), the layer control and tools, and the atomic write with a size warning.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import folium
import folium.plugins
from branca.element import Element, MacroElement
from folium.template import Template

from geotools.errors import UsageError
from geotools.output import write_text
from geotools.render.assets import head_html, json_for_script
from geotools.render.style import TILE_CHOICES, TILES

log = logging.getLogger(__name__)

#: Maps above this size get a warning (browsers slow down); nothing is refused.
LARGE_MAP_BYTES = 50_000_000

#: The closest zoom of every map (issue 18): the polygons are simplified to tens of metres,
#: so closer views only show empty colour.
MAX_ZOOM = 14


class LandOutline(MacroElement):
    """The offline base layer: land polygons in a feature group."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            L.geoJSON(geotoolsDecode({{ this.payload }}), {style: function () {
                return {color: "#9a9a9a", weight: 0.7, fillColor: "#fbfbf8", fillOpacity: 1};
            }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, payload: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "LandOutline"
        self.payload = payload


class Raw(Element):
    """Literal HTML for the page head (an Element's text would be read as a Jinja template)."""

    def __init__(self, text: str) -> None:
        super().__init__("")
        self.text = text

    def render(self, **kwargs: Any) -> str:
        """The text itself."""
        return self.text


def js_object(items: dict[str, str]) -> str:
    """A JavaScript object literal of names (JSON strings) and expressions (verbatim)."""
    return "{" + ",".join(f"{json_for_script(k)}:{v}" for k, v in items.items()) + "}"


def check_tiles(tiles: Sequence[str]) -> list[str]:
    """The base layers asked for, without repeats (default: none), or a UsageError."""
    unknown = [t for t in tiles if t not in TILE_CHOICES]
    if unknown:
        raise UsageError(f"unknown tiles {unknown[0]!r}; use one of {', '.join(TILE_CHOICES)}")
    return list(dict.fromkeys(tiles or ("none",)))


def base_map(
    title: str,
    tiles: Sequence[str],
    bounds: list[list[float]],
    outline: Any,
    extra_head: Sequence[tuple[str, str]] = (),
) -> folium.Map:
    """A folium Map with the inlined assets (no CDN links), the page title (escaped), and one
    base layer per entry of ``tiles`` ("none": the offline land ``outline``, a payload)."""
    center = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    m = folium.Map(location=center, zoom_start=6, tiles=None, control_scale=True, max_zoom=MAX_ZOOM)
    m.options["max_zoom"] = MAX_ZOOM  # folium gives max_zoom to its tiles only, not the map
    m.default_js, m.default_css = [], []  # inlined below instead of CDN links
    root: Any = m.get_root()
    root.header.add_child(Raw(f"<title>{html.escape(title)}</title>"), name="title")
    root.header.add_child(Raw(head_html()), name="geotools_assets")
    for name, text in extra_head:
        root.header.add_child(Raw(text), name=name)
    for i, name in enumerate(tiles):
        if name == "none":
            group = folium.FeatureGroup(
                name="No tiles (offline land outline)", overlay=False, show=i == 0
            )
            if outline is not None:
                group.add_child(LandOutline(json_for_script(outline)))
            group.add_to(m)
        else:
            provider, label = TILES[name]
            folium.TileLayer(provider, name=label, overlay=False, show=i == 0).add_to(m)
    return m


def add_tools(m: folium.Map, bounds: list[list[float]]) -> None:
    """The layer control, fullscreen and measure tools (inlined), and the initial view."""
    folium.LayerControl(collapsed=False).add_to(m)
    for plugin in (
        folium.plugins.Fullscreen(position="topleft"),  # type: ignore[no-untyped-call]
        folium.plugins.MeasureControl(  # type: ignore[no-untyped-call]
            position="topleft",
            primary_length_unit="kilometers",
            secondary_length_unit="miles",
            primary_area_unit="sqkilometers",
            secondary_area_unit="hectares",
            units={"sqkilometers": {"factor": 1e-6, "display": "km²", "decimals": 2}},
        ),
    ):
        plugin.default_js, plugin.default_css = [], []
        plugin.add_to(m)
    m.fit_bounds(bounds)


def write_page(text: str, dest: str | Path, advice: str) -> int:
    """Write an HTML page atomically; warn (with ``advice``) when it is large. Its bytes."""
    size = len(text.encode("utf-8"))
    if size > LARGE_MAP_BYTES:
        log.warning("%s is %.0f MB: browsers may be slow to open it; %s", dest, size / 1e6, advice)
    write_text(dest, text)
    return size
