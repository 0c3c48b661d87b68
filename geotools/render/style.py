"""The look shared by maps and charts: colours, base tiles, display tolerances."""

from __future__ import annotations

from collections.abc import Sequence

#: Okabe–Ito colours (safe for the common colour-vision deficiencies).
GAINED = "#D55E00"
LOST = "#0072B2"
NET = "#000000"
STATUS_COLORS = {
    "occupied": "#6E6E6E",
    "occupied_pre2022": "#3B3B3B",
    "contested": "#E69F00",
    "liberated": "#009E73",
}
OTHER_COLORS = ("#CC79A7", "#56B4E9", "#F0E442", "#999999")
LINE_COLORS = ("#000000", "#E69F00", "#009E73", "#CC79A7", "#56B4E9")
#: ColorBrewer PuOr (colour-blind safe): purple for net loss, orange for net gain.
NET_RAMP = ("#542788", "#998ec3", "#d8daeb", "#f7f7f7", "#fee0b6", "#f1a340", "#b35806")

#: Base layers for --tiles: folium/xyzservices provider and label (``none``: offline outline).
#: Only providers that need no API key (CartoDB now does).
TILES: dict[str, tuple[str, str]] = {
    "osm": ("OpenStreetMap", "OpenStreetMap"),
    "topo": ("OpenTopoMap", "OpenTopoMap"),
    "light": ("Esri.WorldGrayCanvas", "Esri World Gray Canvas"),
    "satellite": ("Esri.WorldImagery", "Esri World Imagery"),
}
TILE_CHOICES = ("none", *TILES)

#: Display simplification (metres): change and control polygons, region polygons, outlines.
CHANGE_TOLERANCE_M = 60.0
REGION_TOLERANCE_M = 250.0
OUTLINE_TOLERANCE_M = 1500.0

CHART_KINDS = ("area", "change", "regions")
CHART_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


def status_colors(statuses: Sequence[str]) -> dict[str, str]:
    """A fixed colour per known status class, the others in turn."""
    out, spare = {}, iter(OTHER_COLORS * (1 + len(statuses) // len(OTHER_COLORS)))
    for status in statuses:
        out[status] = STATUS_COLORS.get(status) or next(spare)
    return out
