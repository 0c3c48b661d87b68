"""HTTP with retries, backoff, Retry-After, timeouts and a geotools User-Agent."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import math
import signal
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from types import FrameType
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from geotools import __version__
from geotools.errors import DataError

log = logging.getLogger(__name__)

USER_AGENT = f"geotools/{__version__} (front-line area measurement; python-requests)"
RETRY_STATUS = {429, 500, 502, 503, 504}
#: Largest body a request may bring (bytes; ``--max-bytes``): the biggest source file today
#: (a geoBoundaries ADM1 layer) is some tens of MB.
DEFAULT_MAX_BYTES = 256 * 2**20
#: Longest a request may take from its first byte sent to its body's last byte received
#: (seconds; ``--deadline``): ``timeout`` bounds one wait for data, this the whole request, so
#: a server dripping a byte now and then cannot hold a fetch.
DEFAULT_DEADLINE = 300.0
#: Redirects followed per request (http and https only).
MAX_REDIRECTS = 5
#: Pieces of the body read at a time: at most one socket read each, so the deadline is
#: looked at between reads however slowly the bytes come.
READ_SIZE = 2**16


class RetryLaterError(DataError):
    """The server asks for a longer wait (Retry-After) than the fetcher may take: asking the
    next URL of the same server now would be refused too, so the whole run stops."""


@dataclass(frozen=True)
class Fetched:
    """A complete, bounded answer: its final URL, status, headers and body."""

    url: str
    status_code: int
    headers: Mapping[str, str]
    content: bytes


class _RefusedError(DataError):
    """A fault asking again will not mend (too big, too slow, bad redirect): not retried."""


def _read_body(resp: requests.Response, url: str, max_bytes: int, ends: float) -> bytes:
    """The body, streamed to a temporary file under the byte cap and the deadline."""
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _RefusedError(
            f"answer of {int(declared)} bytes is larger than the {max_bytes}-byte limit; "
            "raise --max-bytes if it is expected",
            url,
        )
    with tempfile.TemporaryFile(prefix="geotools-fetch-") as spool:
        size = 0
        while True:
            if time.monotonic() > ends:
                raise _RefusedError(_too_slow(), url)
            piece = _read1(resp)
            if not piece:
                break
            size += len(piece)
            if size > max_bytes:
                raise _RefusedError(
                    f"answer is larger than the {max_bytes}-byte limit (cut at {size} bytes); "
                    "raise --max-bytes if it is expected",
                    url,
                )
            spool.write(piece)
        spool.seek(0)
        return spool.read()


def _read1(resp: requests.Response) -> bytes:
    """At most one socket read of the body, with urllib3's faults named as requests names
    them (as ``iter_content`` would)."""
    try:
        return bytes(resp.raw.read1(READ_SIZE, decode_content=True))
    except urllib3.exceptions.ProtocolError as exc:  # cut short of its Content-Length
        raise requests.exceptions.ChunkedEncodingError(exc) from exc
    except urllib3.exceptions.DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc) from exc
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.exceptions.ReadTimeout(exc) from exc
    except urllib3.exceptions.SSLError as exc:
        raise requests.exceptions.SSLError(exc) from exc


@contextlib.contextmanager
def _alarm(seconds: float, url: str) -> Iterator[None]:
    """Bound the whole request, headers included, by a SIGALRM timer (the body is also
    bounded read by read): in the main thread, when no other timer is in use; elsewhere the
    body's bound alone holds."""
    usable = (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, None)
    )
    if not usable:
        yield
        return

    def _expired(signum: int, frame: FrameType | None) -> None:
        raise _RefusedError(_too_slow(), url)

    signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0.0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)


def _too_slow() -> str:
    return "answer took longer than the --deadline for one request; retry later or raise it"


def _safe_redirects(resp: requests.Response, *args: Any, **kwargs: Any) -> None:
    """Refuse a redirect to anything but http(s) before requests follows it."""
    if resp.is_redirect:
        target = urljoin(resp.url, resp.headers.get("Location", ""))
        scheme = urlsplit(target).scheme.lower()
        if scheme not in ("http", "https"):
            raise _RefusedError(
                f"redirected to a {scheme or 'scheme-less'} address ({target[:80]}); "
                "only http(s) redirects are followed",
                resp.url,
            )


def get(
    url: str,
    *,
    attempts: int = 4,
    timeout: float = 30.0,
    backoff: float = 1.0,
    max_wait: float = 60.0,
    session: requests.Session | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    deadline: float = DEFAULT_DEADLINE,
) -> Fetched:
    """GET with retries on timeouts, connection errors, 429 and 5xx (exponential backoff capped
    at ``max_wait``, or the Retry-After the server asks for); a DataError naming the URL when
    every attempt failed, or at once for a status that is not retried (404, 403…).

    A Retry-After longer than ``max_wait`` is a RetryLaterError at once: waiting less than the
    server asked would only be refused again. Every request is bounded: ``timeout`` seconds for
    each wait for data, ``deadline`` seconds for the whole request (body included), at most
    ``max_bytes`` of body (streamed to a temporary file), at most MAX_REDIRECTS http(s)
    redirects; going beyond any of them is a DataError naming the URL, not retried."""
    http = session or requests.Session()
    if session is None:
        http.headers["User-Agent"] = USER_AGENT
    http.max_redirects = MAX_REDIRECTS
    if _safe_redirects not in http.hooks["response"]:
        http.hooks["response"].append(_safe_redirects)
    last = ""
    for attempt in range(1, attempts + 1):
        wait = backoff * 2 ** (attempt - 1)
        ends = time.monotonic() + deadline
        try:
            with (
                _alarm(deadline, url),
                http.get(url, timeout=min(timeout, deadline), stream=True) as resp,
            ):
                if resp.status_code < 400:
                    body = _read_body(resp, url, max_bytes, ends)
                    return Fetched(resp.url, resp.status_code, resp.headers, body)
        except _RefusedError:
            raise
        except requests.TooManyRedirects as exc:
            raise DataError(
                f"more than {MAX_REDIRECTS} redirects (a redirect loop?); check the address",
                url,
            ) from exc
        except (
            requests.Timeout,
            requests.ConnectionError,
            requests.exceptions.ChunkedEncodingError,  # body cut short of its Content-Length
            requests.exceptions.ContentDecodingError,
        ) as exc:
            last = f"{type(exc).__name__}"
            if time.monotonic() > ends:
                raise _RefusedError(_too_slow(), url) from exc
        except requests.RequestException as exc:  # bad URL, bad redirect target…
            text = " ".join(str(exc).split())[:160]
            raise DataError(f"request failed ({type(exc).__name__}: {text})", url) from exc
        else:
            last = f"HTTP {resp.status_code}"
            if resp.status_code not in RETRY_STATUS:  # 404, 403…: asking again will not help
                reason = f" {resp.reason}" if resp.reason else ""
                raise DataError(
                    f"HTTP {resp.status_code}{reason} from {url}; check the address", url
                )
            retry_after = retry_after_seconds(resp.headers.get("Retry-After"))
            if retry_after is not None and retry_after > max_wait:
                shown = f"{math.ceil(retry_after)} s" if retry_after < 1e9 else "for years"
                raise RetryLaterError(
                    f"the server asks to wait {shown} (more than the "
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
        return float(text) if len(text) < 16 else math.inf  # no float of 10**400 digits
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
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
        return loads(resp.content)
    except DataError as exc:
        raise DataError(str(exc), url) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(
            f"answered with non-JSON ({resp.headers.get('Content-Type', '?')}); "
            "the service may be down, retry later",
            url,
        ) from exc


def loads(body: bytes | str) -> Any:
    """Parse untrusted JSON: nesting too deep for Python's parser is a DataError, not a crash
    (the caller adds the URL or file); ValueError for text that is not JSON."""
    try:
        return json.loads(body)
    except RecursionError as exc:
        raise DataError("JSON nested too deeply to read (a hostile or broken answer)") from exc
