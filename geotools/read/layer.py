"""RawLayer: what a format reader returns (geometries and attributes in the file's own CRS)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pyproj import CRS


@dataclass
class RawLayer:
    """Geometries and wanted attributes of one file, in the file's own CRS."""

    geometries: np.ndarray
    attributes: dict[str, np.ndarray]
    crs: CRS | None
    fields: list[str]
    m_dropped: int = 0
    layer: str | None = None  # the layer's own name, when it differs from the file's stem
