"""ESRI JSON (ArcGIS REST ``f=json`` query output), read by GDAL's ESRIJSON driver.

ArcGIS writes outer rings clockwise and holes counter-clockwise; GDAL is told to rely on that
(``OGR_ORGANIZE_POLYGONS=ONLY_CCW``) instead of testing every ring against every other, which
is slow on ISW's many-part layers and warns on every polygon of more than 100 parts.
"""

from __future__ import annotations

import contextlib
import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path

_MARKERS = (b'"spatialReference"', b'"rings"', b'"geometryType"')


def is_esri_json(path: Path) -> bool:
    """True when the start of a .json / .json.gz file looks like ESRI JSON, not GeoJSON."""
    name = path.name.lower()
    if not name.endswith((".json", ".json.gz", ".geojson", ".geojson.gz", ".esrijson")):
        return False
    try:
        with open(path, "rb") as raw:
            stream = gzip.GzipFile(fileobj=raw) if name.endswith(".gz") else raw
            head = stream.read(65536)
    except (OSError, EOFError, zlib.error):
        return False
    return b'"FeatureCollection"' not in head and any(m in head for m in _MARKERS)


@contextlib.contextmanager
def gdal_reading_options(path: Path) -> Iterator[None]:
    """GDAL settings for reading ``path``: ring orientation decides holes for ESRI JSON."""
    if not is_esri_json(path):
        yield
        return
    from pyogrio import get_gdal_config_option, set_gdal_config_options

    before = get_gdal_config_option("OGR_ORGANIZE_POLYGONS")
    set_gdal_config_options({"OGR_ORGANIZE_POLYGONS": "ONLY_CCW"})
    try:
        yield
    finally:
        set_gdal_config_options({"OGR_ORGANIZE_POLYGONS": before})
