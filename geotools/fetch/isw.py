"""ISW / CTP control-of-terrain layers from their ArcGIS FeatureServer, one dated file per run.

The layers are ISW's live FeatureServer layers on ``services5.arcgis.com/SaBe5HMtmnbqSWlu``
(named in shared/data/isw/PROVENANCE.md, from Nikkei-Visual-Data-Journalism/ISW's ``ISW.py``).
Each is read with the standard ArcGIS REST query
``{layer}/query?where=1=1&outFields=*&f=geojson&resultOffset=…&resultRecordCount=…``, page after
page while the answer says ``exceededTransferLimit`` (top level, or under ``properties`` as
``f=geojson`` puts it), and the pages are joined into one FeatureCollection written to
``DEST/<YYYYMMDD>_<layer>.geojson``. The date is the UTC day of the download: the service
keeps only the current state, and ISW updates it in the US evening, so a file usually shows
the assessment of the day before (see the mis-dated files in PROVENANCE).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from geotools.errors import DataError
from geotools.fetch import http
from geotools.fetch.store import (
    FetchSummary,
    already_there,
    check_collection,
    save,
    sweep_temporaries,
)
from geotools.progress import progress

log = logging.getLogger(__name__)

DEFAULT_API = "https://services5.arcgis.com/SaBe5HMtmnbqSWlu/arcgis/rest/services"
ENV_API = "GEOTOOLS_ISW_API"
#: name in the file name → layer path under the services root (or a full URL)
DEFAULT_LAYERS: dict[str, str] = {
    "RussiaCoTinUkraine": "VIEW_RussiaCoTinUkraine_V3/FeatureServer/49",
    "AssessedRussianAdvance": "MDS_AssessedRussianAdvanceInUkraine_view/FeatureServer/49",
    "ClaimedRussianTerritory": "VIEW_ClaimedRussianTerritoryinUkraine_V2/FeatureServer/49",
    "UkrainianCounteroffensives": "VIEW_ClaimedUkrainianCounteroffensives_V2/FeatureServer/51",
}
PAGE_SIZE = 1000
MAX_PAGES = 1000
_ID_FIELDS = ("OBJECTID", "objectid", "FID", "fid")


def layer_url(path_or_url: str, base_url: str | None = None) -> str:
    """Full layer URL: a URL as given, else the path under the services root."""
    if path_or_url.startswith(("http://", "https://")):
        return path_or_url.rstrip("/")
    root = (base_url or os.environ.get(ENV_API) or DEFAULT_API).rstrip("/")
    return f"{root}/{path_or_url.strip('/')}"


def _exceeded(page: dict[str, Any]) -> bool:
    props = page.get("properties")
    nested = props.get("exceededTransferLimit") if isinstance(props, dict) else None
    return bool(page.get("exceededTransferLimit") or nested)


def _feature_keys(features: list[Any]) -> list[str]:
    """Per feature its object id (the GeoJSON ``id``, or OBJECTID / FID), else the feature
    itself: what tells one page from another."""
    keys = []
    for feature in features:
        if not isinstance(feature, dict):
            keys.append(json.dumps(feature, sort_keys=True))
            continue
        props = feature.get("properties")
        props = props if isinstance(props, dict) else {}
        ident = feature.get("id")
        if ident is None:
            ident = next((props[n] for n in _ID_FIELDS if props.get(n) is not None), None)
        keys.append(
            f"id:{json.dumps(ident)}" if ident is not None else json.dumps(feature, sort_keys=True)
        )
    return keys


def page_url(url: str, offset: int, page_size: int = PAGE_SIZE) -> str:
    """The ArcGIS REST query for the page of ``url``'s features from ``offset`` on."""
    params = {
        "where": "1=1",
        "outFields": "*",
        "returnGeometry": "true",
        "orderByFields": "OBJECTID",
        "f": "geojson",
        "resultOffset": offset,
        "resultRecordCount": page_size,
    }
    return f"{url}/query?{urlencode(params)}"


def query_layer(
    url: str, page_size: int = PAGE_SIZE, delay: float = 0.0, **http_options: Any
) -> dict[str, Any]:
    """Every feature of one layer as a FeatureCollection, following the pagination.

    A page made only of features already received (a server that ignores ``resultOffset``
    sends the first page again and again) is an error, not a reason to ask up to MAX_PAGES
    times."""
    features: list[Any] = []
    seen: set[str] = set()
    offset = 0
    for _ in range(MAX_PAGES):
        this_page = page_url(url, offset, page_size)
        page = http.get_json(this_page, **http_options)
        if isinstance(page, dict) and isinstance(page.get("error"), dict):
            error = page["error"]  # ArcGIS reports errors as HTTP 200 with an error object
            raise DataError(
                f"ArcGIS error {error.get('code')}: {error.get('message')}; check the layer URL",
                this_page,
            )
        if not isinstance(page, dict) or not isinstance(page.get("features"), list):
            raise DataError("query answer is not a FeatureCollection; check the layer URL", url)
        keys = _feature_keys(page["features"])
        if keys and seen.issuperset(keys):
            raise DataError(
                f"the page at resultOffset={offset} repeats features already received "
                f"({len(keys)} of them): the server ignores resultOffset; nothing was written, "
                "try a larger --page-size or another layer URL",
                url,
            )
        seen.update(keys)
        features.extend(page["features"])
        if not _exceeded(page) or not page["features"]:
            break
        offset += len(page["features"])
        if delay:
            time.sleep(delay)
    else:
        raise DataError(f"more than {MAX_PAGES} pages; refusing to go on", url)
    return {"type": "FeatureCollection", "features": features}


def fetch_isw(
    dest: str | Path,
    layers: Mapping[str, str] | None = None,
    base_url: str | None = None,
    today: dt.date | None = None,
    delay: float = 1.0,
    page_size: int = PAGE_SIZE,
    show_progress: bool | None = None,
    timeout: float = 60.0,
    attempts: int = 4,
    backoff: float = 1.0,
    max_bytes: int = http.DEFAULT_MAX_BYTES,
    deadline: float = http.DEFAULT_DEADLINE,
) -> FetchSummary:
    """Download each layer (name → path or URL) to ``dest/<YYYYMMDD>_<name>.geojson``.

    A layer whose file for the day is already there and valid is skipped; a layer that fails
    is recorded in the summary and the others go on (a layer failing on a later page leaves no
    file). A server asking (Retry-After) for a longer pause than a retry may wait stops the
    run with an ``http.RetryLaterError``.
    """
    folder = Path(dest)
    folder.mkdir(parents=True, exist_ok=True)
    sweep_temporaries(folder)
    day = today or dt.datetime.now(dt.timezone.utc).date()
    chosen = dict(layers or DEFAULT_LAYERS)
    options: dict[str, Any] = {
        "timeout": timeout,
        "attempts": attempts,
        "backoff": backoff,
        "session": http.session(),
        "max_bytes": max_bytes,
        "deadline": deadline,
    }
    summary = FetchSummary()
    with progress(len(chosen), "ISW layers", show_progress) as advance:
        for i, (name, where) in enumerate(chosen.items()):
            target = folder / f"{day:%Y%m%d}_{name}.geojson"
            present = already_there(target)
            if present is not None:
                summary.skipped.append(present)
                advance()
                continue
            if delay and i:
                time.sleep(delay)
            url = layer_url(where, base_url)
            try:
                doc = check_collection(query_layer(url, page_size, delay, **options), url)
                save(target, json.dumps(doc, ensure_ascii=False).encode())
            except http.RetryLaterError:
                raise  # the server asks for a pause: the next layer would be refused too
            except DataError as exc:
                log.info("%s", exc)
                summary.failed.append((url, str(exc)))
            else:
                summary.fetched.append(target)
            advance()
    return summary
