"""`geoboundaries:ISO:ADMn[:release]` region specs: geoBoundaries API → file → pinned cache.

The file is downloaded once into the cache (``GEOTOOLS_CACHE``), checked against the content
pinned in shapes/sources/boundaries_pins.json (feature count, unit codes, each unit's area, a digest
of the normalised geometry; not the bytes, which a re-save changes), and used offline from then
on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import shapely

from geotools.cache import checksum, entry_path, locked
from geotools.errors import DataError, UsageError
from geotools.fetch import content, http
from geotools.output import write_bytes

log = logging.getLogger(__name__)

PREFIX = "geoboundaries:"


@lru_cache(maxsize=2)
def _catalogue(name: str = "boundaries.json") -> dict[str, Any]:
    text = resources.files("geotools.shapes").joinpath("sources", name).read_text()
    return dict(json.loads(text))


def pins() -> dict[str, Any]:
    """The pinned content of known layers, by ``release/ISO3/ADMn`` (boundaries_pins.json)."""
    return dict(_catalogue("boundaries_pins.json")["pins"])


def is_spec(text: str) -> bool:
    """True for ``geoboundaries:…`` region specs."""
    return str(text).lower().startswith(PREFIX)


def parse_spec(spec: str) -> tuple[str, str, str]:
    """(release, ISO3, ADM level) of ``geoboundaries:UKR:ADM1[:gbOpen]``."""
    parts = spec.split(":")[1:]
    if len(parts) not in (2, 3) or not parts[0] or not parts[1].upper().startswith("ADM"):
        raise UsageError(f"bad region spec {spec!r}; use geoboundaries:UKR:ADM1[:gbOpen]")
    release = parts[2] if len(parts) == 3 else "gbOpen"
    return release, parts[0].upper(), parts[1].upper()


def resolve(
    spec: str,
    *,
    timeout: float = 30.0,
    attempts: int = 4,
    delay: float = 0.0,
    backoff: float = 1.0,
    max_bytes: int = http.DEFAULT_MAX_BYTES,
    deadline: float = http.DEFAULT_DEADLINE,
) -> Path:
    """Local path of a geoBoundaries layer: from the cache, else downloaded and verified.

    The download is two requests (the API's metadata, then the file), ``delay`` seconds
    apart; each has ``attempts`` tries of ``timeout`` seconds (see ``http.get``). Nothing is
    cached unless the file parses with features and its content matches its pin.
    """
    release, iso, adm = parse_spec(spec)
    key = f"{release}/{iso}/{adm}"
    pin = pins().get(key)
    path = entry_path("boundaries", release, f"geoBoundaries-{iso}-{adm}.geojson")
    with locked(path):
        if path.exists() and _cached_ok(path, pin):
            log.info("%s from cache %s", spec, path)
            return path
        api = os.environ.get("GEOTOOLS_GEOBOUNDARIES_API") or _catalogue()["api"]
        options: dict[str, Any] = {
            "timeout": timeout,
            "attempts": attempts,
            "backoff": backoff,
            "session": http.session(),
            "max_bytes": max_bytes,
            "deadline": deadline,
        }
        meta = http.get_json(api.format(release=release, iso=iso, adm=adm), **options)
        if isinstance(meta, list):
            meta = meta[0] if meta else {}
        url = meta.get("gjDownloadURL") if isinstance(meta, dict) else None
        if not url:
            raise DataError(f"geoBoundaries has no GeoJSON for {key} (no gjDownloadURL)", spec)
        if delay:
            time.sleep(delay)
        body = http.get(url, **options).content
        problem = _verify(body, pin, path)
        if problem:
            raise DataError(problem, url)
        write_bytes(path, body)
        if pin is None:  # the pin checks a pinned layer; an unpinned one gets its own seal
            write_bytes(_seal_path(path), checksum(body))
        log.info("%s downloaded to %s (%d bytes)", spec, path, len(body))
        return path


def _seal_path(path: Path) -> Path:
    return path.with_name(path.name + ".seal")


def _cached_ok(path: Path, pin: dict[str, Any] | None) -> bool:
    """Whether the cached layer is whole: it matches its pin, or (unpinned) the checksum
    stored beside it when it was downloaded; a damaged one is downloaded again."""
    body = path.read_bytes()
    if pin is None:
        try:
            stored: bytes | None = _seal_path(path).read_bytes()
        except OSError:
            stored = None  # downloaded by an older geotools: downloaded again
        if stored != checksum(body):
            log.warning("cache entry %s is damaged (checksum mismatch); downloaded again", path)
            return False
    return _verify(body, pin, path) is None


def _verify(body: bytes, pin: dict[str, Any] | None, path: Path) -> str | None:
    """None if ``body`` is a usable layer matching its pin, else the problem in one line.

    The pin is the layer's content (see geotools.fetch.content): feature count, unit codes,
    each unit's geodesic area to 1e-6, and a digest of the normalised geometry, so a copy
    re-saved by another tool passes and a changed unit does not. The byte digest is only
    logged (bytes equal to a pinned serialisation are its content, proven when pinned).
    """
    digest = hashlib.sha256(body).hexdigest()
    log.info("%s: %d bytes, sha256 %s (information only)", path.name, len(body), digest)
    known = pin.get("serialisations", {}) if pin is not None else {}
    if digest in known:
        log.info("%s: bytes of a pinned serialisation (%s)", path.name, known[digest])
        return None
    if pin is None:
        log.warning(
            "%s has no pinned content; using it as downloaded (sha256 %s)", path.name, digest
        )
    try:
        doc = json.loads(body)
    except ValueError:
        if pin is not None:
            return (
                f"is not JSON (an error page or a cut download), so it does not match the pinned "
                f"content of {path.name}; retry later or pass --by PATH"
            )
        return "downloaded file is not JSON (truncated or an error page); retry later"
    if not isinstance(doc, dict) or not doc.get("features"):
        return "downloaded file has no features; retry later or pass --by PATH"
    if pin is None:
        return None
    return _check_content(doc, pin["content"], path)


def _check_content(doc: dict[str, Any], pin: dict[str, Any], path: Path) -> str | None:
    """None if the layer's content matches ``pin``; else the first difference, in one line."""
    try:
        found = content.fingerprint(doc, pin["key"])
    except (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        shapely.errors.GEOSException,
    ) as exc:
        problem: str | None = f"a feature cannot be read ({type(exc).__name__}: {exc})"
    else:
        problem = content.mismatch(found, pin)
    if problem is not None:
        return (
            f"content does not match the pinned {path.name}: {problem}; the source changed or "
            "the download is damaged; check it, then pass --by PATH"
        )
    if found.geometry_sha256 == pin["geometry_sha256"]:
        log.info(
            "%s: the pinned geometry (normalised digest %s…)",
            path.name,
            pin["geometry_sha256"][:16],
        )
    else:
        log.warning(
            "%s: geometry differs from the pinned digest, but every unit's area is within %g "
            "of the pin (largest %.1e): accepted",
            path.name,
            content.AREA_RTOL,
            content.largest_area_difference(found, pin),
        )
    return None
