"""Maps (folium), charts (matplotlib) and one-file HTML reports of a Table and its changes.

Everything here draws; nothing measures: the numbers come from the Table.
"""

from geotools.render.data import MapData, ReadOptions, Step, from_pair, from_series, gather
from geotools.render.maps import build_map, render_map, write_map

__all__ = [
    "MapData",
    "ReadOptions",
    "Step",
    "build_map",
    "from_pair",
    "from_series",
    "gather",
    "render_map",
    "write_map",
]
