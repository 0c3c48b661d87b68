"""HTTP with retries, backoff, Retry-After, timeouts and a geotools User-Agent."""

from __future__ import annotations

import logging
import time
from typing import Any

import requests

from geotools import __version__
from geotools.errors import DataError

log = logging.getLogger(__name__)

USER_AGENT = f"geotools/{__version__} (front-line area measurement; python-requests)"
RETRY_STATUS = {429, 500, 502, 503, 504}


def get(
    url: str,
    *,
    attempts: int = 4,
    timeout: float = 30.0,
    backoff: float = 1.0,
    max_wait: float = 60.0,
    session: requests.Session | None = None,
) -> requests.Response:
    """GET with retries on timeouts, connection errors, 429 and 5xx (exponential backoff,
    honouring Retry-After); a DataError naming the URL when every attempt failed."""
    http = session or requests.Session()
    if session is None:
        http.headers["User-Agent"] = USER_AGENT
    last = ""
    for attempt in range(1, attempts + 1):
        wait = backoff * 2 ** (attempt - 1)
        try:
            resp = http.get(url, timeout=timeout)
        except (
            requests.Timeout,
            requests.ConnectionError,
            requests.exceptions.ChunkedEncodingError,  # body cut short of its Content-Length
            requests.exceptions.ContentDecodingError,
        ) as exc:
            last = f"{type(exc).__name__}"
        else:
            if resp.status_code < 400:
                return resp
            last = f"HTTP {resp.status_code}"
            if resp.status_code not in RETRY_STATUS:
                break
            retry_after = resp.headers.get("Retry-After")
            if retry_after and retry_after.strip().isdigit():
                wait = float(retry_after)
        if attempt < attempts:
            log.info("%s: %s, retrying in %.1f s (%d/%d)", url, last, wait, attempt, attempts)
            time.sleep(min(wait, max_wait))
    raise DataError(
        f"download failed after {attempts} attempts ({last}); check the network or retry later", url
    )


def session() -> requests.Session:
    """A session (kept-alive connections) that names geotools in its User-Agent."""
    http = requests.Session()
    http.headers["User-Agent"] = USER_AGENT
    return http


def get_json(url: str, **kw: Any) -> Any:
    """GET a JSON document; DataError when the body is not JSON (e.g. an HTML error page)."""
    resp = get(url, **kw)
    try:
        return resp.json()
    except ValueError as exc:
        raise DataError(
            f"answered with non-JSON ({resp.headers.get('Content-Type', '?')}); "
            "the service may be down, retry later",
            url,
        ) from exc
