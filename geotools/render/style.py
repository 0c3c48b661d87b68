"""The look shared by maps and charts: colours, base tiles, display tolerances."""

from __future__ import annotations

from collections.abc import Sequence

from geotools.errors import UsageError

#: Okabe–Ito colours (safe for the common colour-vision deficiencies). No control area or
#: choropleth colour reuses the hues of gained (vermillion) and lost (blue).
GAINED = "#D55E00"
LOST = "#0072B2"
NET = "#000000"
STATUS_COLORS = {
    "occupied": "#6E6E6E",
    "occupied_pre2022": "#3B3B3B",
    "contested": "#F0E442",
    "liberated": "#009E73",
}
OTHER_COLORS = ("#CC79A7", "#009E73", "#F0E442", "#999999")
LINE_COLORS = ("#000000", "#E69F00", "#009E73", "#CC79A7", "#56B4E9")
#: The compare map's own palette (issue 18): "only A" and "only B" in the Okabe–Ito pair that
#: stays apart for the common colour-vision deficiencies and shares no hue with gained
#: (vermillion) or lost (blue): reddish purple and bluish green; "both" a neutral grey.
ONLY_A = "#CC79A7"
ONLY_B = "#009E73"
BOTH = "#8C8C8C"
#: ColorBrewer PRGn (colour-blind safe), lightened: green for net loss, purple for net gain.
#: Gained polygons mostly lie in regions of net gain, lost ones in regions of net loss, so
#: each sits on the hue opposite its own (and, for red-green deficient eyes, on the opposite
#: end of the blue-yellow axis); the pale ramp also keeps them apart by lightness.
NET_RAMP = ("#5aae61", "#a6dba0", "#d9f0d3", "#f7f7f7", "#e7d4e8", "#c2a5cf", "#9970ab")
#: Fill opacity of the choropleth (the map script and the legend use it).
REGION_OPACITY = 0.5

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
#: The land outline: the regions are drawn clipped to it, so their coast has its detail.
OUTLINE_TOLERANCE_M = 500.0

CHART_KINDS = ("area", "change", "regions", "rate", "cumulative")
#: The status class a map's choropleth and the per-region chart show when none is chosen.
MAIN_STATUS = "occupied"
CHART_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


def status_colors(statuses: Sequence[str]) -> dict[str, str]:
    """A fixed colour per known status class, the others in turn."""
    out, spare = {}, iter(OTHER_COLORS * (1 + len(statuses) // len(OTHER_COLORS)))
    for status in statuses:
        out[status] = STATUS_COLORS.get(status) or next(spare)
    return out


def main_status(statuses: Sequence[str], wanted: str | None = None) -> str | None:
    """The class a map's choropleth and the per-region chart show first: ``wanted`` (a
    UsageError if the data has no such class), else occupied, else the first in order."""
    statuses = sorted(set(statuses))
    if wanted is not None:
        if wanted not in statuses:
            raise UsageError(
                f"status class {wanted!r} is not in the table; use one of {', '.join(statuses)}"
            )
        return wanted
    if MAIN_STATUS in statuses:
        return MAIN_STATUS
    return statuses[0] if statuses else None
