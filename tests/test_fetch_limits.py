"""Bounded fetches: hostile answers from a real server on 127.0.0.1 end as one line, exit 1.

Each case is the DeepState history list (the first request of ``geotools fetch deepstate``)
answered badly; the run must end quickly, with one line naming the URL and nothing written.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from geotools.fetch import http

from .conftest import run_cli
from .httpserver import Reply, Routes, serve

LIST = "/api/history/public"
DEEP = 100_000

CASES = {
    "too big, declared": (
        Reply(200, b"[" + b" " * 4096 + b"]", repeat=64),
        ["--max-bytes", "100000"],
        "larger than the 100000-byte limit",
    ),
    "too big, undeclared": (
        Reply(200, b" " * 4096, repeat=2048, content_length=-1),
        ["--max-bytes", "100000"],
        "larger than the 100000-byte limit (cut at",
    ),
    "dripping": (
        Reply(200, b"[" + b" " * 200 + b"]", drip=0.5),
        ["--deadline", "2", "--timeout", "5"],
        "took longer than the --deadline",
    ),
    "dripping headers": (
        Reply(200, b"[]", drip=0.5, drip_head=True),
        ["--deadline", "2", "--timeout", "5"],
        "took longer than the --deadline",
    ),
    "redirect loop": (
        Reply(302, headers={"Location": LIST}),
        [],
        "more than 5 redirects",
    ),
    "redirect to a file": (
        Reply(302, headers={"Location": "file:///etc/passwd"}),
        [],
        "redirected to a file address",
    ),
    "redirect to ftp": (
        Reply(301, headers={"Location": "ftp://127.0.0.1/x"}),
        [],
        "redirected to a ftp address",
    ),
    "absurd Retry-After": (
        Reply(503, headers={"Retry-After": "9" * 400}),
        [],
        "the server asks to wait for years",
    ),
    "deeply nested JSON": (
        Reply(200, b"[" * DEEP + b"]" * DEEP),
        [],
        "JSON nested too deeply",
    ),
    "id out of range": (
        Reply(200, json.dumps([{"id": 10**20, "status": True}]).encode()),
        [],
        "is not a plausible publication time",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_answer_is_one_line_exit_1(case: str, tmp_path: Path) -> None:
    reply, options, expected = CASES[case]
    routes = Routes()
    routes.set(LIST, reply)
    dest = tmp_path / "out"
    with serve(routes) as base:
        began = time.monotonic()
        args = ["fetch", "deepstate", "--api", f"{base}/api", "--since", "2024-01-01"]
        args += ["--retries", "2", "--delay", "0", *options, str(dest)]
        res = run_cli(args, module=True)
        took = time.monotonic() - began
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 1, res.stderr[-800:]
    assert len(lines) == 1, res.stderr[-800:]
    assert lines[0].startswith(f"geotools: error: {base}{LIST}"), lines[0]
    assert expected in lines[0]
    assert not dest.exists() or not list(dest.iterdir())
    assert took < 20  # import and start-up included; the dripping body alone would take 100 s


def test_body_within_limits_arrives_whole() -> None:
    routes = Routes()
    body = bytes(range(256)) * 1000
    routes.set("/ok", Reply(200, body))
    routes.set("/hop", Reply(302, headers={"Location": "/ok"}))
    routes.set("/slow", Reply(200, b"abc", drip=0.05))
    with serve(routes) as base:
        assert http.get(f"{base}/hop", max_bytes=len(body)).content == body
        assert http.get(f"{base}/slow", deadline=5).content == b"abc"
        with pytest.raises(http.DataError, match="larger than the"):
            http.get(f"{base}/ok", max_bytes=len(body) - 1)


def test_retry_after_of_many_digits_is_infinite() -> None:
    assert http.retry_after_seconds("9" * 400) == float("inf")
    assert http.retry_after_seconds("120") == 120.0
