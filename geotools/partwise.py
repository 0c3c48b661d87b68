"""The difference of two territories part by part, each part against the piece of the other near
it, memoised: the shortcut behind a profile's disjoint classes (sources.profile.settle).

``a − b`` keeps every part of ``a`` that ``b`` does not touch as it is; each part it touches
loses the piece of ``b`` within a margin of the part's bounding box (``clip_by_rect``: every
edge of ``b`` that can cut the part, and nothing else). As sets this is exactly ``a − b``: the
part lies inside the clipping rectangle, so ``part − (b ∩ rect) = part − b``; the new vertices
on the rectangle's edges lie outside the part. Each part's result is memoised by the WKB of the
part and of its piece of ``b`` (geotools.memo): a liberated area far from the day's changes
costs nothing the next day. ``difference_plain`` is the reference (tests prove them equal).
"""

from __future__ import annotations

import numpy as np
import shapely

from geotools.clean import polygonal
from geotools.memo import Memo, register

#: The clipping rectangle reaches this share of the part's size (and at least 1 CRS unit)
#: beyond its bounding box, so that no new vertex of the clipped piece lies on the part.
MARGIN_SHARE = 0.01

_PIECES: Memo[list[shapely.Geometry]] = register(Memo(1024))


def difference_plain(a: shapely.Geometry, b: shapely.Geometry) -> shapely.Geometry:
    """The reference: ``a − b`` in one GEOS overlay, as a (Multi)Polygon."""
    return polygonal(shapely.difference(a, b))


def difference_partwise(a: shapely.Geometry, b: shapely.Geometry) -> shapely.Geometry:
    """``a − b`` part by part of ``a`` (see the module's docstring); ``a`` itself when ``b``
    touches none of its parts."""
    parts = shapely.get_parts(a)
    if len(parts) == 0 or shapely.is_empty(b):
        return a
    shapely.prepare(b)
    touched = shapely.intersects(b, parts)
    if not touched.any():
        return a
    out: list[shapely.Geometry] = list(parts[~touched])
    near = parts[touched]
    pieces = np.asarray([_clip(b, part) for part in near.tolist()], dtype=object)
    keys = zip(shapely.to_wkb(near).tolist(), shapely.to_wkb(pieces).tolist(), strict=True)
    for part, piece, key in zip(near.tolist(), pieces.tolist(), keys, strict=True):
        found = _PIECES.peek(key)
        if found is None:
            # checked on a miss only: a hit was valid when it was kept (an invalid clip is
            # never kept, and its part loses the whole of b instead)
            if shapely.is_valid(piece) and shapely.get_type_id(piece) in (3, 6):
                found = _minus(part, piece)
                _PIECES.put(key, found)
            else:
                found = _minus(part, b)
        out.extend(found)
    if not out:
        return shapely.MultiPolygon()
    return shapely.multipolygons(np.asarray(out, dtype=object))


def _clip(b: shapely.Geometry, part: shapely.Geometry) -> shapely.Geometry:
    """The piece of ``b`` within the margin of ``part``'s bounding box (an empty collection
    when GEOS's rectangle clipper fails: the caller then takes the whole of ``b``)."""
    x0, y0, x1, y1 = shapely.bounds(part).tolist()
    m = max(1.0, MARGIN_SHARE * max(x1 - x0, y1 - y0))
    try:
        return shapely.clip_by_rect(b, x0 - m, y0 - m, x1 + m, y1 + m)
    except shapely.errors.GEOSException:
        return shapely.GeometryCollection()


def _minus(part: shapely.Geometry, piece: shapely.Geometry) -> list[shapely.Geometry]:
    """The polygons of ``part − piece``."""
    found: list[shapely.Geometry] = shapely.get_parts(
        polygonal(shapely.difference(part, piece))
    ).tolist()
    return found
