"""What a boundary file holds, whatever its serialisation: the pin of a downloaded layer.

A layer re-saved by another tool (pretty-printed, other key order, another feature order,
extra attributes, a ``crs`` member, floats printed with 15 digits, rings in the other
direction) is the same layer; its bytes differ, so a byte digest cannot pin it. What survives
is its content: how many features, which unit codes, each unit's geodesic area, and the
geometry itself once normalised. :func:`fingerprint` measures those, :func:`mismatch` says in
one line how a fingerprint departs from a pin.

Rules (the README's "What geotools assumes, and checks"):

- the feature count and the set of unit codes (``key``, e.g. ``shapeISO``) must equal the pin's;
- each unit's geodesic area (WGS84, ``pyproj.Geod``) must equal the pin's within
  :data:`AREA_RTOL` (1e-6 relative);
- the digest of the normalised geometry (coordinates rounded to :data:`DIGITS` decimals of a
  degree, rings normalised by GEOS, units sorted by code) is compared and logged: equal means
  the very geometry of the pin; different with every area within tolerance is accepted with a
  warning (a sub-1e-6 edit cannot move a figure geotools prints).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import shape

#: Largest relative difference of a unit's area from its pinned area.
AREA_RTOL = 1e-6
#: Coordinates are rounded to this many decimals of a degree (1e-7°, about 1 cm) for the digest.
DIGITS = 7

_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Fingerprint:
    """The content of a boundary layer: count, unit codes, areas (m²), geometry digest."""

    key: str
    features: int
    areas_m2: dict[str, float]
    geometry_sha256: str

    def as_pin(self) -> dict[str, Any]:
        """The JSON form stored in shapes/sources/boundaries.json."""
        return {
            "key": self.key,
            "features": self.features,
            "geometry_sha256": self.geometry_sha256,
            "area_m2": {c: round(a, 1) for c, a in sorted(self.areas_m2.items())},
        }


def _geometry(raw: Any) -> shapely.Geometry:
    if not raw:
        return shapely.Polygon()
    return shapely.force_2d(shape(raw))


def geodesic_area_m2(geom: shapely.Geometry) -> float:
    """Geodesic area (m², WGS84) of a lon/lat polygon, whatever the direction of its rings."""
    if geom is None or shapely.is_empty(geom):
        return 0.0
    oriented = shapely.orient_polygons(geom)  # shells counter-clockwise: positive areas
    return abs(float(_GEOD.geometry_area_perimeter(oriented)[0]))


def fingerprint(doc: dict[str, Any], key: str) -> Fingerprint:
    """The content of a parsed GeoJSON FeatureCollection whose units are named by ``key``.

    Raises ``ValueError`` (one line) when a feature has no ``key`` property.
    """
    features = doc.get("features") or []
    codes: list[str] = []
    geoms: list[shapely.Geometry] = []
    for i, feat in enumerate(features):
        props = feat.get("properties") or {}
        if props.get(key) in (None, ""):
            raise ValueError(f"feature {i} has no {key!r} property")
        codes.append(str(props[key]))
        geoms.append(_geometry(feat.get("geometry")))
    areas: dict[str, float] = {}
    for code, geom in zip(codes, geoms, strict=True):
        areas[code] = areas.get(code, 0.0) + geodesic_area_m2(geom)
    arr = np.asarray(geoms, dtype=object)
    rounded = shapely.normalize(shapely.transform(arr, lambda c: np.round(c, DIGITS)))
    blobs = sorted(
        zip(codes, (bytes(b) for b in shapely.to_wkb(rounded, byte_order=1)), strict=True)
    )
    h = hashlib.sha256()
    for code, blob in blobs:
        h.update(code.encode() + b"\x00" + blob)
    return Fingerprint(key, len(features), areas, h.hexdigest())


def fingerprint_bytes(body: bytes, key: str) -> Fingerprint:
    """:func:`fingerprint` of GeoJSON bytes (``ValueError`` if they are not a layer)."""
    doc = json.loads(body)
    if not isinstance(doc, dict):
        raise ValueError("not a GeoJSON FeatureCollection")
    return fingerprint(doc, key)


def mismatch(found: Fingerprint, pin: dict[str, Any]) -> str | None:
    """None when ``found`` matches ``pin`` (count, codes, areas); else the first difference."""
    pinned: dict[str, float] = {str(k): float(v) for k, v in pin["area_m2"].items()}
    missing = sorted(set(pinned) - set(found.areas_m2))
    extra = sorted(set(found.areas_m2) - set(pinned))
    if missing or extra:
        bits = []
        if missing:
            bits.append("missing " + ", ".join(missing))
        if extra:
            bits.append("not pinned " + ", ".join(extra))
        return f"{found.features} features, pinned {pin['features']}: " + "; ".join(bits)
    if found.features != int(pin["features"]):
        return f"{found.features} features, pinned {pin['features']} (a unit split or repeated)"
    worst = max(pinned, key=lambda c: _rel(found.areas_m2[c], pinned[c]))
    rel = _rel(found.areas_m2[worst], pinned[worst])
    if rel > AREA_RTOL:
        return (
            f"{worst} has {found.areas_m2[worst] / 1e6:,.3f} km², pinned "
            f"{pinned[worst] / 1e6:,.3f} km² ({rel:.1e} relative, tolerance {AREA_RTOL:g})"
        )
    return None


def largest_area_difference(found: Fingerprint, pin: dict[str, Any]) -> float:
    """The largest relative difference of a unit's area from the pin (codes as pinned)."""
    pinned = {str(k): float(v) for k, v in pin["area_m2"].items()}
    return max((_rel(found.areas_m2.get(c, 0.0), a) for c, a in pinned.items()), default=0.0)


def _rel(value: float, pinned: float) -> float:
    if pinned == 0:
        return 0.0 if value == 0 else math.inf
    return abs(value - pinned) / abs(pinned)
