"""ESRI JSON (ArcGIS REST ``f=json`` query output), read by GDAL's ESRIJSON driver.

ArcGIS writes outer rings clockwise and holes counter-clockwise; GDAL is told to rely on that
(``OGR_ORGANIZE_POLYGONS=ONLY_CCW``) instead of testing every ring against every other, which
is slow on ISW's many-part layers and warns on every polygon of more than 100 parts.
"""

from __future__ import annotations

import contextlib
import gzip
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

from geotools.errors import DataError

_MARKERS = (b'"spatialReference"', b'"rings"', b'"geometryType"')
_MORE_PAGES = re.compile(rb'"exceededTransferLimit"\s*:\s*true')


def _head(path: Path, size: int | None = 65536) -> bytes:
    with open(path, "rb") as raw:
        gz = path.name.lower().endswith(".gz")
        stream = gzip.GzipFile(fileobj=raw) if gz else raw
        return stream.read() if size is None else stream.read(size)


def is_esri_json(path: Path) -> bool:
    """True when the start of a .json / .json.gz file looks like ESRI JSON, not GeoJSON."""
    name = path.name.lower()
    if not name.endswith((".json", ".json.gz", ".geojson", ".geojson.gz", ".esrijson")):
        return False
    try:
        head = _head(path)
    except (OSError, EOFError, zlib.error):
        return False
    return b'"FeatureCollection"' not in head and any(m in head for m in _MARKERS)


@contextlib.contextmanager
def gdal_reading_options(path: Path) -> Iterator[None]:
    """GDAL settings for reading ``path``: ring orientation decides holes for ESRI JSON.

    An ESRI JSON file that is only one page of a query is refused: its area would be short."""
    if not is_esri_json(path):
        yield
        return
    try:
        partial = _MORE_PAGES.search(_head(path, None)) is not None
    except (OSError, EOFError, zlib.error):
        partial = False  # GDAL will say what is wrong with the file
    if partial:
        raise DataError(
            "is one page of an ArcGIS query (exceededTransferLimit: true), not the whole layer; "
            "query every page (resultOffset), e.g. with geotools fetch isw",
            path,
        )
    from pyogrio import get_gdal_config_option, set_gdal_config_options

    before = get_gdal_config_option("OGR_ORGANIZE_POLYGONS")
    set_gdal_config_options({"OGR_ORGANIZE_POLYGONS": "ONLY_CCW"})
    try:
        yield
    finally:
        set_gdal_config_options({"OGR_ORGANIZE_POLYGONS": before})
