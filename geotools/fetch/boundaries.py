"""`geoboundaries:ISO:ADMn[:release]` region specs: geoBoundaries API → file → pinned cache.

The file is downloaded once into the cache (``GEOTOOLS_CACHE``), checked against the sha256
pinned in shapes/sources/boundaries.json, and used offline from then on.
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

from geotools.cache import checksum, entry_path, locked
from geotools.errors import DataError, UsageError
from geotools.fetch import http
from geotools.output import write_bytes

log = logging.getLogger(__name__)

PREFIX = "geoboundaries:"


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, Any]:
    text = resources.files("geotools.shapes").joinpath("sources", "boundaries.json").read_text()
    return dict(json.loads(text))


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
    cached unless the file matches its pin and parses with features.
    """
    release, iso, adm = parse_spec(spec)
    key = f"{release}/{iso}/{adm}"
    pin = _catalogue()["pins"].get(key)
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
    """None if ``body`` is a usable layer matching its pin, else the problem in one line."""
    digest = hashlib.sha256(body).hexdigest()
    if pin is not None and digest != pin["sha256"]:
        return (
            f"sha256 {digest[:16]}… does not match the pinned {pin['sha256'][:16]}… for "
            f"{path.name}: the source changed or the download is damaged; "
            "check it, then pass --by PATH"
        )
    if pin is None:
        log.warning("%s has no pinned hash; using it as downloaded (sha256 %s)", path.name, digest)
    try:
        doc = json.loads(body)
    except ValueError:
        return "downloaded file is not JSON (truncated or an error page); retry later"
    if not isinstance(doc, dict) or not doc.get("features"):
        return "downloaded file has no features; retry later or pass --by PATH"
    return None
