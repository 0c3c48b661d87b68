"""Source profiles: which raw features are which status class, by rules kept in shapes/profiles.

A profile is a JSON file (see the README, "Source profiles"). Each feature gets the class of the
first rule whose conditions all match; a feature no rule matches, and every point or line (labels,
arrows), is ``other``: counted and listed, never measured. Rules may also ``exclude`` a feature
(decorative polygons outside the region of interest), and a geometric rule excludes any polygon
with less than ``min_inside`` of its area inside the region-of-interest outline. A multi-part
feature (GeometryCollection, MultiPolygon) is judged part by part: DeepState's grey-zone
collections can carry a stray polygon far outside Ukraine next to a real one, and the real part
must not be lost with the stray one. Both rules are reported.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from importlib import resources
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS

from geotools.errors import UsageError
from geotools.memo import HeldMemo, Memo, answers, register
from geotools.snapshot import ClassReport, Geometries

_TRAILING_DATE = re.compile(r"\s*\d{1,2}\.\d{2}(\.\d{2,4})?(\s*-\s*\d{1,2}\.\d{2})?\s*$")
OTHER = "other"
EXCLUDE = "exclude"
UNMARKED = "unmarked"
#: Added to a label in ``ClassReport.outside_roi`` for parts dropped from a feature that stays.
PART_SUFFIX = " [part]"
_RESERVED = {OTHER, EXCLUDE, UNMARKED}


@dataclass(frozen=True)
class Rule:
    """Give ``status`` to a feature when every (field, pattern) condition matches."""

    status: str
    when: tuple[tuple[str, re.Pattern[str]], ...]
    why: str = ""

    def matches(self, record: dict[str, str]) -> bool:
        """Whether every condition matches the feature's (normalised) fields."""
        return all(pattern.search(record.get(name, "")) for name, pattern in self.when)


@dataclass(frozen=True)
class Profile:
    """A source's mapping from raw features to status classes."""

    name: str
    properties: tuple[str, ...]
    classes: tuple[str, ...]
    rules: tuple[Rule, ...]
    disjoint: bool = True
    unions: tuple[tuple[str, tuple[str, ...]], ...] = ()
    split: tuple[str, str, tuple[str, ...]] | None = None  # property, separator, part names
    derive: tuple[tuple[str, tuple[str, ...]], ...] = ()
    roi_outline: str | None = None
    roi_min_inside: float = 0.5
    digest: str = ""
    description: str = ""
    #: How to recognise the source's files: (field, pattern, least share of polygon features
    #: whose field matches); the first signal is the key (see geotools.sources.detect).
    detect: tuple[tuple[str, re.Pattern[str], float], ...] = ()
    detect_why: str = ""
    #: The source ships one file per layer: files of one date with other layers are one
    #: snapshot (ISW), files of one date and one layer are duplicates.
    layered: bool = False

    @property
    def statuses(self) -> list[str]:
        """Every status a snapshot read with this profile has: the classes, then the unions."""
        return list(self.classes) + [u for u, _ in self.unions]

    def records(
        self, attributes: dict[str, np.ndarray], n: int, file: str, layer: str
    ) -> list[dict[str, str]]:
        """The fields rules look at, per feature: properties (whitespace-normalised), the
        ``split`` parts, derived fields, ``name``-like text and ``@file``/``@layer``."""
        cols = {p: attributes.get(p) for p in self.properties}
        out = []
        for i in range(n):
            rec = {p: _norm(v[i]) if v is not None else "" for p, v in cols.items()}
            rec["@file"], rec["@layer"] = file, layer
            if self.split is not None:
                prop, sep, names = self.split
                parts = [_norm(p) for p in rec.get(prop, "").split(sep)]
                for k, part_name in enumerate(names):
                    rec[part_name] = parts[k] if k < len(parts) else ""
                if "key" in rec:
                    rec["key"] = re.sub(r"\{\{.*?\}\}", "", rec["key"]).strip()
            for derived, sources in self.derive:
                rec[derived] = next((rec[s] for s in sources if rec.get(s)), "")
            out.append(rec)
        return out

    def label(self, rec: dict[str, str]) -> str:
        """A short human label for reports: the English name part, else the name, else …"""
        for key in ("en", "name", "layer_name", "layer", "layer_type", "ua"):
            if rec.get(key):
                text = _TRAILING_DATE.sub("", rec[key])
                return (text or rec[key])[:80]
        return "(unnamed)"


def _norm(value: Any) -> str:
    """Whitespace-normalised text (newlines and no-break spaces become one space)."""
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from a missing value
        return ""
    return " ".join(str(value).split())


def available() -> list[str]:
    """Names of the profiles shipped in shapes/profiles."""
    folder = resources.files("geotools.shapes").joinpath("profiles")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))


def load_profile(spec: str | Path | Profile) -> Profile:
    """A shipped profile by name (``deepstate-raw``, ``isw``) or a profile JSON file."""
    if isinstance(spec, Profile):
        return spec
    path = Path(spec)
    if path.suffix.lower() == ".json" or path.exists():
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise UsageError(f"cannot read profile {path}: {exc.strerror}; check the path") from exc
        return _parse_profile(text, str(path))
    return _shipped(str(spec))


@lru_cache(maxsize=16)
def _shipped(name: str) -> Profile:
    item = resources.files("geotools.shapes").joinpath("profiles", f"{name}.json")
    if not item.is_file():
        raise UsageError(
            f"unknown profile {name!r}; use one of {', '.join(available())} or a profile .json file"
        )
    return _parse_profile(item.read_text("utf-8"), name)


def _parse_profile(text: str, where: str) -> Profile:
    try:
        doc = json.loads(text)
        classes = tuple(str(c) for c in doc["classes"])
        bad = [c for c in classes if c in _RESERVED]
        if bad:
            raise ValueError(f"class name {bad[0]!r} is reserved")
        rules = []
        for i, r in enumerate(doc["rules"]):
            status = str(r["status"])
            if status not in classes and status not in (OTHER, EXCLUDE):
                raise ValueError(f"rule {i + 1} gives {status!r}, which is not in classes")
            when = tuple(
                (str(k), re.compile(str(v), re.IGNORECASE)) for k, v in dict(r["when"]).items()
            )
            if not when:
                raise ValueError(f"rule {i + 1} has no condition")
            rules.append(Rule(status, when, str(r.get("why", ""))))
        unions = tuple(
            (str(u), tuple(str(c) for c in members))
            for u, members in dict(doc.get("unions") or {}).items()
        )
        for u, members in unions:
            if u in classes or u in _RESERVED or not set(members) <= set(classes):
                raise ValueError(f"union {u!r} must be a new name made of listed classes")
        split = None
        if doc.get("split"):
            s = doc["split"]
            split = (str(s["property"]), str(s["separator"]), tuple(str(p) for p in s["parts"]))
        roi = doc.get("region_of_interest")
        detect = doc.get("detect") or {}
        signals = tuple(
            (str(s["field"]), re.compile(str(s["pattern"]), re.IGNORECASE), float(s["min_share"]))
            for s in detect.get("signals", [])
        )
        return Profile(
            name=str(doc.get("name", where)),
            properties=tuple(str(p) for p in doc.get("properties", [])),
            classes=classes,
            rules=tuple(rules),
            disjoint=bool(doc.get("disjoint", True)),
            unions=unions,
            split=split,
            derive=tuple(
                (str(k), tuple(str(s) for s in v)) for k, v in dict(doc.get("derive") or {}).items()
            ),
            roi_outline=str(roi["outline"]) if roi else None,
            roi_min_inside=float(roi.get("min_inside", 0.5)) if roi else 0.5,
            digest=hashlib.sha256(text.encode()).hexdigest()[:16],
            description=str(doc.get("description", "")),
            detect=signals,
            detect_why=str(detect.get("why", "")),
            layered=bool(doc.get("layered", False)),
        )
    except (ValueError, KeyError, TypeError, re.error) as exc:
        raise UsageError(
            f"profile {where} is not valid ({exc}); see README 'Source profiles'"
        ) from exc


@lru_cache(maxsize=4)
def roi_outline(name: str) -> shapely.Geometry:
    """A region-of-interest outline shipped in shapes/profiles (lon/lat, prepared)."""
    import gzip

    item = resources.files("geotools.shapes").joinpath("profiles", f"{name}.geojson.gz")
    if not item.is_file():
        raise UsageError(f"unknown region-of-interest outline {name!r} in the profile")
    collection = shapely.from_geojson(gzip.decompress(item.read_bytes()))
    outline = shapely.union_all(shapely.get_parts(collection))
    shapely.prepare(outline)
    return outline


def classify(
    profile: Profile,
    geometries: np.ndarray,
    attributes: dict[str, np.ndarray],
    crs: CRS,
    file: str,
    layer: str = "",
) -> tuple[np.ndarray, ClassReport]:
    """The status of every feature (a class, ``other`` or ``exclude``) and the report.

    A multi-part feature with some parts outside the region of interest keeps only its parts
    inside: those features are replaced in ``geometries`` (in place), and each dropped part is
    reported under its label with `` [part]``."""
    n = len(geometries)
    statuses = np.full(n, OTHER, dtype=object)
    report = ClassReport(profile=profile.name)
    present = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
    polygonal = present & _has_area(geometries)
    # --- issue 20: the rules read polygons only (most of a raw file is points: labels), and a
    # feature's decision is memoised by its property values (the next day's file repeats them)
    wanted = np.flatnonzero(polygonal).tolist()
    columns = [attributes.get(name) for name in profile.properties]
    place = (file, layer) if _reads_place(profile) else ()
    _PROFILES.setdefault(id(profile), profile)  # the id in the keys stays this profile's
    labels: dict[int, str] = {}
    # each wanted feature's property values, a column at a time (a missing column: None)
    picked = [[None] * len(wanted) if c is None else list(c[wanted]) for c in columns]
    rows = zip(*picked, strict=True) if picked else repeat((), len(wanted))  # (no property)
    decided = []
    for i, values in zip(wanted, rows, strict=True):
        key = (id(profile), values, place)
        status, by_rule, label = _DECISIONS.get(key, _decide, profile, values, file, layer)
        decided.append(status)
        labels[i] = label
        if status == OTHER:  # left out on purpose (e.g. Tuzla), or by no rule at all
            counts = report.ignored if by_rule else report.other
            counts[label] = counts.get(label, 0) + 1
        elif status == EXCLUDE:
            report.excluded[label] = report.excluded.get(label, 0) + 1
    if wanted:
        statuses[wanted] = np.fromiter(decided, dtype=object, count=len(decided))
    report.points = int((present & ~polygonal).sum())
    # --- end ---
    if profile.roi_outline is not None:
        candidates = np.flatnonzero(np.isin(statuses, profile.classes))
        for i, kept, dropped in _outside(profile, geometries[candidates], crs):
            k = candidates[i]
            label = labels[int(k)]
            if kept is None:
                statuses[k] = EXCLUDE
            else:
                geometries[k] = kept
                label += PART_SUFFIX
            report.outside_roi[label] = report.outside_roi.get(label, 0) + dropped
    counts = Counter(map(str, statuses[present].tolist()))
    report.features = dict(counts)
    return statuses, report


#: A feature's (status, decided by a rule, label) by (profile id, its property values, and its
#: file and layer when the profile's rules read them): geotools.memo.
_DECISIONS: Memo[tuple[str, bool, str]] = register(Memo(4096))
_PROFILES: dict[int, Profile] = {}


def _decide(
    profile: Profile, values: tuple[Any, ...], file: str, layer: str
) -> tuple[str, bool, str]:
    """The first matching rule's status (``other`` when none), whether a rule decided, and
    the feature's label, from its property values."""
    one = {
        name: np.array([v], dtype=object)
        for name, v in zip(profile.properties, values, strict=True)
    }
    rec = profile.records(one, 1, file, layer)[0]
    rule = next((r for r in profile.rules if r.matches(rec)), None)
    return (OTHER if rule is None else rule.status), rule is not None, profile.label(rec)


@lru_cache(maxsize=64)
def _reads_place(profile: Profile) -> bool:
    """Whether a rule (or a derived field) reads the file's or the layer's name."""
    named = {name for rule in profile.rules for name, _ in rule.when}
    named |= {s for _, sources in profile.derive for s in sources}
    return any(name.startswith("@") for name in named)


def _has_area(geoms: np.ndarray) -> np.ndarray:
    """True for features with any polygonal part (Polygon, MultiPolygon, or a collection
    holding one)."""
    types = shapely.get_type_id(geoms)
    out = np.isin(types, (3, 6))
    for i in np.flatnonzero(types == 7):
        parts = shapely.get_parts(geoms[i])
        out[i] = bool(np.isin(shapely.get_type_id(parts), (3, 6)).any())
    return out


def _outside(
    profile: Profile, geoms: np.ndarray, crs: CRS
) -> list[tuple[int, shapely.Geometry | None, int]]:
    """The features with polygons that have less than ``min_inside`` of their area in the
    outline: (index, the feature without those parts or None when nothing is left, how many
    polygons were dropped). Each part of a multi-part feature is judged on its own."""
    assert profile.roi_outline is not None
    outline = roi_outline(profile.roi_outline)
    if not (crs.is_geographic and crs.ellipsoid is not None and "WGS" in str(crs.ellipsoid.name)):
        from geotools.crs import WGS84, project

        outline = project(outline, WGS84, crs)
        shapely.prepare(outline)
    inside = _inside(outline, geoms, (profile.roi_outline, crs.srs))
    out: list[tuple[int, shapely.Geometry | None, int]] = []
    for i in np.flatnonzero(~inside):
        geom = geoms[i]
        multi = shapely.get_type_id(geom) in (6, 7)  # MultiPolygon, GeometryCollection
        parts = shapely.get_parts(geom) if multi else np.asarray([geom], dtype=object)
        away = [_mostly_outside(p, outline, profile.roi_min_inside) for p in parts]
        if not any(away):
            continue
        kept = [p for p, a in zip(parts, away, strict=True) if not a]
        if not any(shapely.area(p) > 0 for p in kept):
            out.append((int(i), None, 1))  # the whole feature is outside: counted once
        elif shapely.get_type_id(geom) == 6:
            out.append((int(i), shapely.MultiPolygon(kept), sum(away)))
        else:
            out.append((int(i), shapely.GeometryCollection(kept), sum(away)))
    return out


#: Whether a feature's geometry lies inside a region-of-interest outline, by the geometry
#: object's identity and the outline: the feature reader gives a feature repeated from the
#: day before as the same object.
_INSIDE: HeldMemo[bool] = HeldMemo(4096)


def _inside(outline: shapely.Geometry, geoms: np.ndarray, which: tuple[str, str]) -> np.ndarray:
    """``contains_properly(outline, force_2d(geoms))``, each geometry's answer memoised."""
    return answers(
        geoms.tolist(),
        lambda geom: _INSIDE.peek((geom,), which),
        lambda geom, value: _INSIDE.put((geom,), value, which),
        lambda idx: shapely.contains_properly(outline, shapely.force_2d(geoms[idx])),
    )


def _mostly_outside(part: shapely.Geometry, outline: shapely.Geometry, min_inside: float) -> bool:
    """True for a polygon with less than ``min_inside`` of its area inside the outline (a part
    without area, e.g. a point in a collection, is left alone)."""
    g = shapely.force_2d(part)
    if not shapely.is_valid(g):
        g = shapely.make_valid(g, method="structure", keep_collapsed=False)
    area = shapely.area(g)
    if area <= 0:
        return False
    return bool(shapely.area(shapely.intersection(g, outline)) / area < min_inside)


def control_statuses(profile: Profile) -> list[str]:
    """The statuses that make up Russian control in a profile: its ``russian_control`` union
    when it has one, else its first class (a front is drawn around these)."""
    unions = dict(profile.unions)
    if "russian_control" in unions:
        return ["russian_control"]
    return [profile.classes[0]]


def settle(profile: Profile, dissolved: dict[str, shapely.Geometry]) -> Geometries:
    """Every class of the profile (empty when absent), made disjoint by precedence when the
    profile says so (a class listed earlier keeps the area it shares with a later one), plus
    the unions (e.g. ``russian_control``), each made when first read (geotools.snapshot
    .Geometries: a series needs only its members)."""
    from geotools.partwise import difference_partwise

    out: dict[str, shapely.Geometry] = {}
    # --- issue 20: minus each earlier class in turn, A − (B ∪ C) = (A − B) − C, instead of
    # minus the union of the earlier ones: the unions of the large classes cost more than
    # the differences with those a class touches (settle 40 % faster on the raw archive) ---
    earlier: list[shapely.Geometry] = []
    for cls in profile.classes:
        geom = dissolved.get(cls)
        geom = shapely.MultiPolygon() if geom is None else geom
        for other in earlier if profile.disjoint else ():
            if not shapely.is_empty(geom):  # part by part, memoised (geotools.partwise)
                geom = difference_partwise(geom, other)
        out[cls] = geom
        if not shapely.is_empty(geom):
            earlier.append(geom)
    # --- end ---
    return with_unions(profile.unions, out)


def with_unions(
    unions: Sequence[tuple[str, Sequence[str]]] | Mapping[str, Sequence[str]],
    geometries: Mapping[str, shapely.Geometry],
) -> Geometries:
    """``geometries`` and each union of its members, pending (made when first read)."""
    pairs = unions.items() if isinstance(unions, Mapping) else unions
    pending = {name: partial(union_of, geometries, tuple(members)) for name, members in pairs}
    return Geometries({k: v for k, v in geometries.items() if k not in pending}, pending)


def union_of(
    geometries: Mapping[str, shapely.Geometry], members: Sequence[str]
) -> shapely.Geometry:
    """The union of the (settled) members' geometries that are present and not empty."""
    parts = [geometries[m] for m in members if m in geometries]
    return _union([g for g in parts if not shapely.is_empty(g)])


def _union(parts: list[shapely.Geometry]) -> shapely.Geometry:
    """The union of a profile union's settled members, one pair at a time: GEOS's binary union
    of two territories that share a long border (occupied since 2022 and since 2014) takes
    half the time of its union_all over the same two (issue 20)."""
    from geotools.clean import polygonal

    if not parts:
        return shapely.MultiPolygon()
    out = parts[0]
    for part in parts[1:]:
        out = shapely.union(out, part)
    return polygonal(out)
