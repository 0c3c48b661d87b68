"""The two values that flow through geotools: Snapshot (a dated picture) and Change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, ItemsView, Iterator, Mapping, ValuesView
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import shapely
from pyproj import CRS

if TYPE_CHECKING:
    from geotools.parts import Parts

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


#: What a pending geometry's slot holds until it is made (never handed out: every read of the
#: mapping makes it first).
_PENDING: Any = object()


class Geometries(dict):  # type: ignore[type-arg]  # dict[str, shapely.Geometry]
    """A snapshot's geometries by status, some made on first read (issue 20).

    A profile's union of disjoint classes (``russian_control``) costs a GEOS union a snapshot,
    though a series only needs its area, which its members give, and its change, which is
    its one moving member's (geotools.diff). So the union is *pending*: every status is a key
    from the start, and reading its geometry (``[]``, ``get``, ``items``, ``values``, a copy,
    pickling, equality) makes it then, once. ``made`` lists what is made without making
    the rest.

    Examples
    --------
    >>> g = Geometries({"a": shapely.box(0, 0, 1, 1)}, {"b": lambda: shapely.box(1, 0, 2, 1)})
    >>> sorted(g), list(g.made())
    (['a', 'b'], ['a'])
    >>> g["b"].area
    1.0
    """

    def __init__(
        self,
        made: Mapping[str, shapely.Geometry] | None = None,
        pending: Mapping[str, Callable[[], shapely.Geometry]] | None = None,
    ) -> None:
        super().__init__(made or {})
        self._pending: dict[str, Callable[[], shapely.Geometry]] = {}
        for name, make in (pending or {}).items():
            self._pending[name] = make
            dict.__setitem__(self, name, _PENDING)

    def _make(self, name: str) -> shapely.Geometry:
        geom = self._pending.pop(name)()
        dict.__setitem__(self, name, geom)
        return geom

    def _make_all(self) -> None:
        for name in list(self._pending):
            if dict.get(self, name) is _PENDING:
                self._make(name)
        self._pending.clear()

    def made(self) -> dict[str, shapely.Geometry]:
        """The geometries made so far, by status (nothing is made)."""
        return {k: v for k, v in dict.items(self) if v is not _PENDING}

    def pending(self) -> list[str]:
        """The statuses whose geometry is not made yet."""
        return [k for k, v in dict.items(self) if v is _PENDING]

    def __getitem__(self, name: str) -> shapely.Geometry:
        geom = dict.__getitem__(self, name)
        return self._make(name) if geom is _PENDING else geom

    def get(self, name: str, default: Any = None) -> Any:
        """The geometry of ``name`` (made now when pending), else ``default``."""
        if name in self:
            return self[name]
        return default

    def __iter__(self) -> Iterator[str]:
        # defined here so that dict(g), {**g} and update(g) read through __getitem__
        return dict.__iter__(self)

    def values(self) -> ValuesView[shapely.Geometry]:  # type: ignore[override]
        """Every geometry (the pending ones made now)."""
        self._make_all()
        return dict.values(self)

    def items(self) -> ItemsView[str, shapely.Geometry]:  # type: ignore[override]
        """Every (status, geometry) (the pending ones made now)."""
        self._make_all()
        return dict.items(self)

    def __setitem__(self, name: str, geom: shapely.Geometry) -> None:
        self._pending.pop(name, None)
        dict.__setitem__(self, name, geom)

    def __delitem__(self, name: str) -> None:
        self._pending.pop(name, None)
        dict.__delitem__(self, name)

    def pop(self, name: str, *default: Any) -> Any:
        """Remove ``name`` and return its geometry (made now when pending)."""
        if name in self:
            geom = self[name]
            del self[name]
            return geom
        if default:
            return default[0]
        raise KeyError(name)

    def popitem(self) -> tuple[str, shapely.Geometry]:
        """Remove and return the last (status, geometry)."""
        self._make_all()
        return dict.popitem(self)

    def setdefault(self, name: str, default: Any = None) -> Any:
        """The geometry of ``name``; ``default`` set and returned when absent."""
        if name not in self:
            self[name] = default
        return self[name]

    def update(self, *args: Any, **kwargs: Any) -> None:
        """As dict.update, through __setitem__ (a replaced pending status is no longer pending)."""
        for name, geom in dict(*args, **kwargs).items():
            self[name] = geom

    def copy(self) -> Geometries:
        """A shallow copy (pending statuses stay pending in both)."""
        return Geometries(self.made(), {name: self._pending[name] for name in self.pending()})

    def __eq__(self, other: object) -> bool:
        self._make_all()
        if isinstance(other, Geometries):
            other._make_all()
        return dict.__eq__(self, other)

    __hash__ = None

    def __or__(self, other: Any) -> dict[str, shapely.Geometry]:  # type: ignore[override]
        return {**self, **other}

    def __ror__(self, other: Any) -> dict[str, shapely.Geometry]:  # type: ignore[override]
        return {**other, **self}

    def __ior__(self, other: Any) -> Geometries:
        self.update(other)
        return self

    def __repr__(self) -> str:
        self._make_all()
        return f"Geometries({dict.__repr__(self)})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Geometries, (dict(self.items()),))


def made_geometries(geometries: Mapping[str, shapely.Geometry]) -> dict[str, shapely.Geometry]:
    """The geometries of a snapshot that are made, by status (all of a plain dict's), none
    made now."""
    if isinstance(geometries, Geometries):
        return geometries.made()
    return dict(geometries)


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
    # issue 20: a disjoint profile's snapshot also keeps its polygon parts; its classes are
    # then made from them when read, and a series measures changes from the parts
    parts: Parts | None = field(default=None, compare=False, repr=False)

    @property
    def is_empty(self) -> bool:
        """True when the snapshot holds no territory (nothing is made to tell)."""
        if self.parts is not None:
            return len(self.parts.geoms) == 0
        return all(shapely.is_empty(g) for g in made_geometries(self.geometries).values())

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
    # issue 20: area_to_m2 is area_from_m2 + gained − lost (the same set, not measured on
    # its own: geotools.parts); a series carries such areas from period to period
    area_carried: bool = False

    @property
    def net_m2(self) -> float:
        """area_to − area_from: the net change, exact by construction."""
        return self.area_to_m2 - self.area_from_m2

    @property
    def is_empty(self) -> bool:
        """True when nothing was gained or lost."""
        return bool(shapely.is_empty(self.gained)) and bool(shapely.is_empty(self.lost))
