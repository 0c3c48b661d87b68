"""Source detection: which shipped profile a file's features look like, and whether a file
looks like a region layer rather than a snapshot. Pure functions over what a reader found
(the reading package does the I/O).

A profile declares **signals** (``detect`` in its JSON): a field (a property, a ``split``
part, a derived field, ``@file`` or ``@layer``), a pattern, and the least share of the
file's polygon features whose field must match. A file **matches** a profile when every
signal holds; it **half-matches** when the first (key) signal holds and another does not
(DeepState-like names without DeepState's colours): geotools then refuses to guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import shapely

from geotools.sources.profile import Profile, available, load_profile

#: Properties that name administrative units (geoBoundaries, GADM, OCHA/HDX, Natural Earth,
#: OSM boundaries): a polygon layer carrying them is a region layer, not a control snapshot.
ADMIN_FIELDS = frozenset(
    f.lower()
    for f in (
        "shapeISO",
        "shapeName",
        "shapeGroup",
        "shapeType",
        "shapeID",
        "ISO",
        "ISO_3166_2",
        "iso_3166_2",
        "ISO3166-2",
        "HASC_1",
        "GID_1",
        "NAME_1",
        "ADM1_EN",
        "ADM1_PCODE",
        "ADM1_UA",
        "ADM2_EN",
        "ADM2_PCODE",
        "admin_level",
        "adm1_code",
        "iso_a2",
        "gn_name",
    )
)
#: An ISO 3166-2 subdivision code (UA-14, UA-43 …).
ISO_3166_2 = re.compile(r"^[A-Z]{2}-[0-9A-Z]{1,3}$")
#: A region layer has at least this many features (a control snapshot of one class has one
#: feature per part, but never an ISO code or admin name on each).
MIN_REGION_FEATURES = 3


@dataclass(frozen=True)
class Verdict:
    """What a file looks like: the profiles it matches, and those it half-matches (with
    the signals that failed)."""

    matched: tuple[str, ...] = ()
    partial: tuple[tuple[str, str], ...] = ()
    why: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def clear(self) -> bool:
        """Nothing to say: no match, no half-match."""
        return not self.matched and not self.partial


def shipped_profiles() -> list[Profile]:
    """The shipped profiles that declare how to recognise their files."""
    return list(_shipped_detecting())


# --- issue 20 (flat-speed): the shipped profiles do not change while a process runs; every
# plain file is checked against them, and listing the package's folder cost 0.2 ms a file ---
@lru_cache(maxsize=1)
def _shipped_detecting() -> tuple[Profile, ...]:
    return tuple(p for p in (load_profile(name) for name in available()) if p.detect)


# --- end ---


def detection_properties(profiles: list[Profile]) -> list[str]:
    """The properties detection needs to read."""
    wanted: list[str] = []
    for p in profiles:
        wanted += [x for x in p.properties if x not in wanted]
    return wanted


def judge(
    profiles: list[Profile],
    geometries: np.ndarray,
    attributes: dict[str, np.ndarray],
    file: str,
    layer: str,
) -> Verdict:
    """Which of ``profiles`` the polygon features of one file match (see the module doc)."""
    polygonal = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
    polygonal &= shapely.get_type_id(geometries) >= 3
    idx = np.flatnonzero(polygonal)
    matched, partial, why = [], [], {}
    if not len(idx):
        return Verdict()
    for profile in profiles:
        sub = {k: np.asarray(v, dtype=object)[idx] for k, v in attributes.items()}
        records = profile.records(sub, len(idx), file, layer)
        holds = []
        for name, pattern, least in profile.detect:
            share = sum(bool(pattern.search(r.get(name, ""))) for r in records) / len(records)
            holds.append((name, share >= least, share))
        if not holds or not holds[0][1]:
            continue
        failed = [f"{name} on {share:.0%}" for name, ok, share in holds if not ok]
        if failed:
            partial.append((profile.name, ", ".join(failed)))
        else:
            matched.append(profile.name)
            why[profile.name] = profile.detect_why
    return Verdict(tuple(matched), tuple(partial), why)


def region_layer_reason(fields: list[str], attributes: dict[str, np.ndarray], n: int) -> str | None:
    """Why a file looks like a region layer (admin-unit fields, or ISO 3166-2 codes on most
    features), or None."""
    if n < MIN_REGION_FEATURES:
        return None
    admin = sorted(f for f in fields if f.lower() in ADMIN_FIELDS)
    if admin:
        return f"it carries the admin-unit properties {', '.join(admin[:4])}"
    for name, values in attributes.items():
        texts = [str(v) for v in values if v is not None]
        if texts and sum(bool(ISO_3166_2.match(t)) for t in texts) >= 0.8 * n:
            return f"its property {name!r} holds ISO 3166-2 codes ({texts[0]}, …)"
    return None
