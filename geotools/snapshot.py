"""The two values that flow through geotools: Snapshot (a dated picture) and Change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import shapely
from pyproj import CRS

M2_PER_KM2 = 1_000_000.0


@dataclass
class RepairReport:
    """What cleaning did to one file's geometries, in counts (and km² where it matters)."""

    features: int = 0
    null_geometries: int = 0
    z_dropped: int = 0
    m_dropped: int = 0
    non_polygonal_dropped: dict[str, int] = field(default_factory=dict)
    invalid_repaired: int = 0
    invalid_after_projection: int = 0
    polygon_parts: int = 0
    collapsed_parts: int = 0
    holes_outside: int = 0  # holes not inside their exterior: only their inside part is cut
    rings_reordered: int = 0  # polygons whose first ring lay inside another (ring order)

    @property
    def non_polygonal_total(self) -> int:
        """Number of point/line parts dropped."""
        return sum(self.non_polygonal_dropped.values())

    def merge(self, other: RepairReport) -> None:
        """Add another report's counts to this one (for several layers of one file)."""
        self.features += other.features
        self.null_geometries += other.null_geometries
        self.z_dropped += other.z_dropped
        self.m_dropped += other.m_dropped
        for kind, n in other.non_polygonal_dropped.items():
            self.non_polygonal_dropped[kind] = self.non_polygonal_dropped.get(kind, 0) + n
        self.invalid_repaired += other.invalid_repaired
        self.invalid_after_projection += other.invalid_after_projection
        self.polygon_parts += other.polygon_parts
        self.collapsed_parts += other.collapsed_parts
        self.holes_outside += other.holes_outside
        self.rings_reordered += other.rings_reordered

    def summary(self) -> str:
        """One line for logs and `geotools info`."""
        bits = [f"{self.features} features", f"{self.polygon_parts} polygon parts"]
        if self.null_geometries:
            bits.append(f"{self.null_geometries} null/empty geometries skipped")
        if self.z_dropped:
            bits.append(f"Z dropped on {self.z_dropped}")
        if self.m_dropped:
            bits.append(f"M dropped on {self.m_dropped}")
        if self.non_polygonal_dropped:
            kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.non_polygonal_dropped.items()))
            bits.append(f"non-polygonal parts dropped: {kinds}")
        if self.invalid_repaired:
            bits.append(f"{self.invalid_repaired} invalid geometries repaired (make_valid)")
        if self.collapsed_parts:
            bits.append(f"{self.collapsed_parts} parts collapsed to lines/points in repair")
        if self.holes_outside:
            bits.append(
                f"{self.holes_outside} holes outside their exterior dropped (only the part "
                "inside cuts the polygon)"
            )
        if self.rings_reordered:
            bits.append(f"{self.rings_reordered} polygons with the exterior ring not first")
        if self.invalid_after_projection:
            bits.append(f"{self.invalid_after_projection} repaired again after projection")
        return "; ".join(bits)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-friendly)."""
        return {
            "features": self.features,
            "null_geometries": self.null_geometries,
            "z_dropped": self.z_dropped,
            "m_dropped": self.m_dropped,
            "non_polygonal_dropped": dict(self.non_polygonal_dropped),
            "invalid_repaired": self.invalid_repaired,
            "invalid_after_projection": self.invalid_after_projection,
            "polygon_parts": self.polygon_parts,
            "collapsed_parts": self.collapsed_parts,
            "holes_outside": self.holes_outside,
            "rings_reordered": self.rings_reordered,
        }


@dataclass
class ClassReport:
    """What a profile did with one file's features."""

    profile: str = ""
    features: dict[str, int] = field(default_factory=dict)  # status → feature count
    other: dict[str, int] = field(default_factory=dict)  # label → count: no rule matched
    ignored: dict[str, int] = field(default_factory=dict)  # label → count: a rule said `other`
    points: int = 0  # points / lines: labels, arrows (other)
    excluded: dict[str, int] = field(default_factory=dict)  # label → count (by a rule)
    outside_roi: dict[str, int] = field(default_factory=dict)  # label → count (geometric rule)

    def merge(self, other: ClassReport) -> None:
        """Add another file's counts (the layers of one snapshot, read one file each)."""
        for mine, theirs in (
            (self.features, other.features),
            (self.other, other.other),
            (self.ignored, other.ignored),
            (self.excluded, other.excluded),
            (self.outside_roi, other.outside_roi),
        ):
            for key, n in theirs.items():
                mine[key] = mine.get(key, 0) + n
        self.points += other.points

    def summary(self) -> str:
        """One line for logs and ``geotools info``."""
        bits = [", ".join(f"{n} {s}" for s, n in sorted(self.features.items()))]
        if self.points:
            bits.append(f"{self.points} points/lines (labels) ignored")
        if self.ignored:
            bits.append("other (by rule): " + _top(self.ignored))
        if self.other:
            bits.append("unmatched polygons: " + _top(self.other))
        if self.excluded:
            bits.append("excluded: " + _top(self.excluded))
        if self.outside_roi:
            bits.append("outside the region of interest: " + _top(self.outside_roi))
        return f"profile {self.profile}: " + "; ".join(b for b in bits if b)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-friendly)."""
        return {
            "profile": self.profile,
            "features": dict(self.features),
            "other": dict(self.other),
            "ignored": dict(self.ignored),
            "points": self.points,
            "excluded": dict(self.excluded),
            "outside_roi": dict(self.outside_roi),
        }


def _top(counts: dict[str, int], n: int = 6) -> str:
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    text = ", ".join(f"{k} ({v})" for k, v in items[:n])
    return text + (f", … {len(items) - n} more" if len(items) > n else "")


@dataclass
class Snapshot:
    """One dated picture of control: a cleaned, dissolved geometry per status class.

    Geometries are in ``crs``, which is equal-area (checked on construction by the reader),
    so ``geometry.area`` times ``m2_per_unit`` is the area in m².
    """

    date: dt.date
    source: str
    crs: CRS
    geometries: dict[str, shapely.Geometry]
    repairs: RepairReport = field(default_factory=RepairReport)
    m2_per_unit: float = 1.0
    classes: ClassReport | None = None  # what a source profile did (None: no profile)

    def area_m2(self, status: str) -> float:
        """Area of one status class in m² (0 when the class is absent)."""
        geom = self.geometries.get(status)
        if geom is None:
            return 0.0
        return float(shapely.area(geom)) * self.m2_per_unit

    def area_km2(self, status: str) -> float:
        """Area of one status class in km²."""
        return self.area_m2(status) / M2_PER_KM2

    @property
    def statuses(self) -> list[str]:
        """Status classes present, sorted."""
        return sorted(self.geometries)


@dataclass
class Change:
    """What happened to one status class between two snapshots."""

    status: str
    from_date: dt.date
    to_date: dt.date
    gained: shapely.Geometry
    lost: shapely.Geometry
    area_from_m2: float
    area_to_m2: float
    gained_m2: float
    lost_m2: float

    @property
    def net_m2(self) -> float:
        """area_to − area_from: the net change, exact by construction."""
        return self.area_to_m2 - self.area_from_m2

    @property
    def is_empty(self) -> bool:
        """True when nothing was gained or lost."""
        return bool(shapely.is_empty(self.gained)) and bool(shapely.is_empty(self.lost))
