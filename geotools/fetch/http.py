"""HTTP with retries, backoff, Retry-After, timeouts and a geotools User-Agent."""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from geotools import __version__
from geotools.errors import DataError

log = logging.getLogger(__name__)

USER_AGENT = f"geotools/{__version__} (front-line area measurement; python-requests)"
RETRY_STATUS = {429, 500, 502, 503, 504}


class RetryLaterError(DataError):
    """The server asks for a longer wait (Retry-After) than the fetcher may take: asking the
    next URL of the same server now would be refused too, so the whole run stops."""


def get(
    url: str,
    *,
    attempts: int = 4,
    timeout: float = 30.0,
    backoff: float = 1.0,
    max_wait: float = 60.0,
    session: requests.Session | None = None,
) -> requests.Response:
    """GET with retries on timeouts, connection errors, 429 and 5xx (exponential backoff capped
    at ``max_wait``, or the Retry-After the server asks for); a DataError naming the URL when
    every attempt failed, or at once for a status that is not retried (404, 403…).

    A Retry-After longer than ``max_wait`` is a RetryLaterError at once: waiting less than the
    server asked would only be refused again."""
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
            if resp.status_code not in RETRY_STATUS:  # 404, 403…: asking again will not help
                reason = f" {resp.reason}" if resp.reason else ""
                raise DataError(
                    f"HTTP {resp.status_code}{reason} from {url}; check the address", url
                )
            retry_after = retry_after_seconds(resp.headers.get("Retry-After"))
            if retry_after is not None and retry_after > max_wait:
                raise RetryLaterError(
                    f"the server asks to wait {math.ceil(retry_after)} s (more than the "
                    f"{max_wait:g} s limit); rerun later",
                    url,
                )
            if retry_after is not None:
                wait = retry_after
        if attempt < attempts:
            wait = min(wait, max_wait)
            log.info("%s: %s, retrying in %.1f s (%d/%d)", url, last, wait, attempt, attempts)
            time.sleep(wait)
    raise DataError(
        f"download failed after {attempts} attempts ({last}); check the network or retry later", url
    )


def retry_after_seconds(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for: delay-seconds, or an HTTP-date (RFC 9110); 0 for
    a date already past, None when absent or unreadable (the backoff then decides)."""
    text = (value or "").strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" or no zone: HTTP-dates are GMT
        when = when.replace(tzinfo=dt.timezone.utc)
    now = now or dt.datetime.now(dt.timezone.utc)
    return max(0.0, (when - now).total_seconds())


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
