"""A smoke run of the whole-archive timeline benchmark on its first ten days (figures are for
humans; none asserted beyond their presence and the map's own step count)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO, data_path
from .test_browser import CHROMIUM


def test_timeline_benchmark_smoke_run(tmp_path):
    data_path("deepstate", "daily")
    if not Path(CHROMIUM).exists() and os.environ.get("GEOTOOLS_REQUIRE_BROWSER") != "1":
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    out = tmp_path / "t.html"
    res = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "timeline.py"),
            *("--limit", "10", "--jumps", "10", "-o", str(out)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    assert res.returncode == 0, res.stderr
    figures = json.loads(res.stdout.strip().splitlines()[-1])
    assert figures["steps"] == 10 and figures["keyframe_every"] == 50
    assert figures["size_mb"] == pytest.approx(out.stat().st_size / 1e6, abs=1e-3)
    assert sum(figures["bytes_mb"].values()) == pytest.approx(figures["size_mb"], abs=0.01)
    assert len(figures["first_render_ms"]) == 3
    for key in ("jump_frame_ms", "forward_frame_ms", "play_frame_ms"):
        assert {"p50", "p95", "max", "n"} <= set(figures[key]), key
    assert figures["jump_frame_ms"]["n"] == 10 and figures["forward_frame_ms"]["n"] == 10
