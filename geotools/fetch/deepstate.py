"""DeepState map history: list the published snapshots, download those in a date range.

Endpoints (not documented by DeepState; found in public code that uses them):

* ``GET {api}/history/public`` — every published snapshot, a JSON list of objects
  ``{"id": <Unix seconds of publication>, "createdAt": "2026-10-01T18:23:57.000Z",
  "updatedAt": …, "status": true, "description": …, "descriptionEn": …}`` (shape seen in a
  front-line collector's tests, and in an area-chart script that walks the list and calls
  ``/history/{id}/areas``, both in the public-code search index without a repository name).
* ``GET {api}/history/{id}/geojson`` — that snapshot's map, a bare FeatureCollection (the
  same shape as DanielRose2310/deepstatemaps-history, see shared/data/deepstate_raw).
* ``GET {api}/history/last`` — the newest one wrapped as ``{"id", "datetime", "map":
  FeatureCollection}`` (cyterat/deepstate-map-data reads ``response["map"]["features"]``).

Each snapshot is stored as ``DEST/<id>.geojson`` holding the bare FeatureCollection: a body
that arrives wrapped (``{"map": …}``, or as a JSON string, as some clients have seen) is
unwrapped to its FeatureCollection, otherwise the bytes are kept exactly as served. The id is
the publication time, so the file name dates the snapshot (UTC day) for ``geotools series``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from geotools.errors import DataError, UsageError
from geotools.fetch import http
from geotools.fetch.store import (
    FetchSummary,
    already_there,
    check_collection,
    parse_json,
    save,
    sweep_temporaries,
)
from geotools.progress import progress

log = logging.getLogger(__name__)

DEFAULT_API = "https://deepstatemap.live/api"
ENV_API = "GEOTOOLS_DEEPSTATE_API"


def api_base(base_url: str | None = None) -> str:
    """The API root: the argument, else $GEOTOOLS_DEEPSTATE_API, else DeepState's."""
    return (base_url or os.environ.get(ENV_API) or DEFAULT_API).rstrip("/")


def list_snapshots(api: str, **http_options: Any) -> list[tuple[int, dt.datetime]]:
    """(id, publication time UTC) of every published snapshot, oldest first."""
    url = f"{api}/history/public"
    doc = http.get_json(url, **http_options)
    if not isinstance(doc, list):
        raise DataError(
            "history list is not a JSON list of {id, createdAt}; the API may have changed", url
        )
    snapshots = []
    for entry in doc:
        ident = entry.get("id") if isinstance(entry, dict) else None
        if isinstance(ident, str) and ident.isdigit():
            ident = int(ident)
        if not isinstance(ident, int) or isinstance(ident, bool) or ident <= 0:
            raise DataError(f"history entry without a numeric id ({str(entry)[:80]})", url)
        if isinstance(entry, dict) and entry.get("status") is False:
            continue  # drafts DeepState did not publish
        try:
            published = dt.datetime.fromtimestamp(ident, tz=dt.timezone.utc)
        except (OverflowError, OSError, ValueError) as exc:
            raise DataError(
                f"history entry id {str(ident)[:30]} is not a plausible publication time "
                "(Unix seconds); the API may have changed",
                url,
            ) from exc
        snapshots.append((ident, published))
    return sorted(set(snapshots))


def unwrap(doc: Any) -> tuple[Any, bool]:
    """The FeatureCollection inside a history body; True when it had to be unwrapped."""
    wrapped = False
    if isinstance(doc, str):  # JSON text inside a JSON string
        try:
            doc = json.loads(doc)
        except ValueError:
            return doc, False
        wrapped = True
    if isinstance(doc, dict) and doc.get("type") != "FeatureCollection" and "map" in doc:
        inner, _ = unwrap(doc["map"])
        return inner, True
    return doc, wrapped


def fetch_deepstate(
    dest: str | Path,
    since: dt.date,
    until: dt.date | None = None,
    base_url: str | None = None,
    delay: float = 1.0,
    show_progress: bool | None = None,
    timeout: float = 30.0,
    attempts: int = 4,
    backoff: float = 1.0,
    max_bytes: int = http.DEFAULT_MAX_BYTES,
    deadline: float = http.DEFAULT_DEADLINE,
) -> FetchSummary:
    """Download the snapshots published on UTC days ``since`` … ``until`` into ``dest``.

    Files already present and valid, as ``<id>.geojson`` or gzipped as ``<id>.geojson.gz``
    (the form of an archive such as the shared data), are skipped (a rerun resumes);
    ``delay`` seconds pass between requests. A snapshot that cannot be fetched is recorded
    in the summary and the others go on: call ``raise_for_failures()`` to make it an error.
    A server asking (Retry-After) for a longer pause than a retry may wait stops the run
    with an ``http.RetryLaterError``; the snapshots already written are kept.
    """
    if until is not None and until < since:
        raise UsageError(f"--until {until} is before --since {since}")
    folder = Path(dest)
    folder.mkdir(parents=True, exist_ok=True)
    sweep_temporaries(folder)
    api = api_base(base_url)
    session = http.session()
    options: dict[str, Any] = {
        "timeout": timeout,
        "attempts": attempts,
        "backoff": backoff,
        "session": session,
        "max_bytes": max_bytes,
        "deadline": deadline,
    }
    wanted = [
        ident
        for ident, published in list_snapshots(api, **options)
        if since <= published.date() and (until is None or published.date() <= until)
    ]
    log.info("%d DeepState snapshots from %s to %s", len(wanted), since, until or "now")
    summary = FetchSummary()
    with progress(len(wanted), "DeepState", show_progress) as advance:
        for ident in wanted:
            target = folder / f"{ident}.geojson"
            present = already_there(target)  # <id>.geojson, or <id>.geojson.gz as archived
            if present is not None:
                summary.skipped.append(present)
                advance()
                continue
            if delay:
                time.sleep(delay)
            url = f"{api}/history/{ident}/geojson"
            try:
                body = http.get(url, **options).content
                doc, wrapped = unwrap(parse_json(body, url))
                check_collection(doc, url)
                save(target, json.dumps(doc, ensure_ascii=False).encode() if wrapped else body)
            except http.RetryLaterError:
                raise  # the server asks for a pause: the next snapshot would be refused too
            except DataError as exc:
                log.info("%s", exc)
                summary.failed.append((url, str(exc)))
            else:
                summary.fetched.append(target)
            advance()
    return summary
