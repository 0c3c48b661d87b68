"""Maps (folium), charts (matplotlib) and one-file HTML reports of a Table and its changes.

Everything here draws; nothing measures: the numbers come from the Table. The palette of
the maps (``GAINED``, ``LOST``, ``NET``, ``STATUS_COLORS``) is public, for plots of one's
own. folium and matplotlib are imported only when a map or chart is drawn.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from geotools.render.style import GAINED, LOST, NET, STATUS_COLORS

if TYPE_CHECKING:  # loaded on first use, as the drawing functions below
    from geotools.read import ReadOptions
    from geotools.render.data import MapData, Step, from_pair, from_series, gather

_LAZY = {
    "ReadOptions": "geotools.read",
    "MapData": "geotools.render.data",
    "Step": "geotools.render.data",
    "from_pair": "geotools.render.data",
    "from_series": "geotools.render.data",
    "gather": "geotools.render.data",
    "build_map": "geotools.render.maps",
    "render_map": "geotools.render.maps",
    "write_map": "geotools.render.maps",
    "make_chart": "geotools.render.charts",
    "write_chart": "geotools.render.charts",
    "render_report": "geotools.render.report",
    "write_report": "geotools.render.report",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'geotools.render' has no attribute {name!r}")


__all__ = [
    "GAINED",
    "LOST",
    "NET",
    "STATUS_COLORS",
    "MapData",
    "ReadOptions",
    "Step",
    "build_map",
    "from_pair",
    "from_series",
    "gather",
    "make_chart",
    "render_map",
    "render_report",
    "write_chart",
    "write_map",
    "write_report",
]
