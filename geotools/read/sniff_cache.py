"""What source detection found in a file, kept in the cache by the file's digest: a daily
update samples the same first and middle files every day, and reading them again cost
~0.07 s of a warm run (issue 20). The entry holds the verdict and the areas the
outside-the-region check needs; it is keyed by the file's bytes, the layer, the shipped
profiles' texts and the region-of-interest outline's name, so any change to them misses."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from geotools import cache
from geotools.sources.detect import Verdict, shipped_profiles

#: Bump when what is stored changes meaning.
SNIFF_CACHE_VERSION = "1"

Areas = tuple[float, float] | None
Look = tuple[Verdict, Areas]


def _key(path: Path, layer: str | None, region: str) -> str:
    h = hashlib.sha256()
    profiles = ",".join(f"{p.name}:{p.digest}" for p in shipped_profiles())
    parts = (SNIFF_CACHE_VERSION, cache.file_digest(path), layer or "", profiles, region)
    h.update("|".join(parts).encode())
    return h.hexdigest()


def cached_look(path: Path, layer: str | None, region: str, compute: Callable[[], Look]) -> Look:
    """``compute()``'s verdict and areas for a file, from the cache when it holds them."""
    key = _key(path, layer, region)
    found = cache.load_json("sniff", key)
    if isinstance(found, dict):
        try:
            verdict = Verdict(
                tuple(str(m) for m in found["matched"]),
                tuple((str(n), str(f)) for n, f in found["partial"]),
                {str(k): str(v) for k, v in found["why"].items()},
            )
            areas = found["areas"]
            return verdict, None if areas is None else (float(areas[0]), float(areas[1]))
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            pass  # not an entry of this version: computed again
    verdict, areas = compute()
    record = {
        "matched": list(verdict.matched),
        "partial": [list(p) for p in verdict.partial],
        "why": dict(verdict.why),
        "areas": None if areas is None else list(areas),
    }
    cache.store_json("sniff", key, record)
    return verdict, areas
