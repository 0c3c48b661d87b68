"""The loader's route for big files (issue 16): read in batches (geotools.read.batches),
each batch checked, classified by its status field and dissolved (geotools.dissolve).

The plain-file checks (source profiles, region layers) look at the first batch; the
coordinate checks at every batch.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS

from geotools.crs import WGS84
from geotools.dissolve import BatchDissolve
from geotools.read.batches import read_batches, read_head
from geotools.read.checks import check_coordinates
from geotools.read.options import ReadOptions
from geotools.read.sniff import check_plain
from geotools.snapshot import RepairReport


def dissolve_big(
    path: Path, layer: str | None, options: ReadOptions
) -> tuple[dict[str, shapely.Geometry], RepairReport, CRS]:
    """A big file's dissolved geometry per status class, the repair report, and the file's
    CRS (WGS84 when it declares none), read batch by batch."""
    check_plain(path, layer, read_head(path, layer, None), options)
    status_field = options.status_field
    dissolve = BatchDissolve()
    src: CRS | None = None
    for raw in read_batches(path, layer, [status_field] if status_field else []):
        src = raw.crs or WGS84
        check_coordinates(path, raw.geometries, src)
        if status_field:
            statuses = np.array(
                ["unknown" if v is None else str(v).strip() for v in raw.attributes[status_field]],
                dtype=object,
            )
        else:
            statuses = np.full(len(raw.geometries), options.status, dtype=object)
        dissolve.add(raw.geometries, statuses)
    return dissolve.result(), dissolve.report, src or WGS84
