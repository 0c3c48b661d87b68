"""A real HTTP server on 127.0.0.1 for fetcher tests, with scripted faults per path."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """One scripted answer: status, body, headers, optional delay (for timeouts) and a declared
    Content-Length other than the body's (a connection cut mid-body; -1: no Content-Length, the
    body ends when the connection closes). The body is sent ``repeat`` times (a big answer
    without a big buffer); with ``drip``, one byte every ``drip`` seconds (of the status line
    and headers too, with ``drip_head``)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_length: int | None = None
    repeat: int = 1
    drip: float = 0.0
    drip_head: bool = False


@dataclass
class Routes:
    """Per path, a queue of replies; the last one repeats. Requests are logged, with the
    time each arrived (``time.monotonic()``), so tests can measure the waits between them.

    A path is matched with its query string first, then without it.
    """

    replies: dict[str, list[Reply]] = field(default_factory=dict)
    log: list[tuple[str, str]] = field(default_factory=list)  # (path, user agent)
    times: list[tuple[str, float]] = field(default_factory=list)  # (path, arrival)

    def gaps(self, path: str) -> list[float]:
        """Seconds between consecutive requests for ``path`` (query string included)."""
        arrived = [t for p, t in self.times if p == path]
        return [b - a for a, b in itertools.pairwise(arrived)]

    def set(self, path: str, *replies: Reply) -> None:
        self.replies[path] = list(replies)

    def next(self, path: str) -> Reply:
        queue = self.replies.get(path)
        if queue is None:
            queue = self.replies.get(path.split("?", 1)[0])
        if not queue:
            return Reply(404, b"not found")
        return queue.pop(0) if len(queue) > 1 else queue[0]


@contextmanager
def serve(routes: Routes) -> Iterator[str]:
    """Run a server for ``routes``; yields its base URL (http://127.0.0.1:PORT)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            routes.times.append((self.path, time.monotonic()))
            routes.log.append((self.path, self.headers.get("User-Agent", "")))
            reply = routes.next(self.path)
            if reply.delay:
                time.sleep(reply.delay)
            try:
                if reply.drip_head:
                    head = f"HTTP/1.0 {reply.status} OK\r\n" + "X-Pad: y\r\n" * 1000
                    for i in range(len(head)):
                        self.wfile.write(head[i : i + 1].encode())
                        self.wfile.flush()
                        time.sleep(reply.drip)
                    return
                self.send_response(reply.status)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                length = len(reply.body) * reply.repeat
                if reply.content_length is not None:
                    length = reply.content_length
                if length >= 0:
                    self.send_header("Content-Length", str(length))
                self.end_headers()
                for _ in range(reply.repeat):
                    if reply.drip:
                        for i in range(len(reply.body)):
                            self.wfile.write(reply.body[i : i + 1])
                            self.wfile.flush()
                            time.sleep(reply.drip)
                    else:
                        self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
