"""A smoke run of the whole-archive timeline benchmark on its first ten days (figures are for
humans; none asserted beyond their presence and the map's own step count)."""

import pytest

from .conftest import data_path, run_benchmark
from .test_browser import require_chromium


def test_timeline_benchmark_smoke_run(tmp_path):
    data_path("deepstate", "daily")
    require_chromium()
    out = tmp_path / "t.html"
    _, figures = run_benchmark("timeline.py", "--limit", "10", "--jumps", "10", "-o", str(out))
    assert figures["steps"] == 10 and figures["keyframe_every"] == 50
    assert figures["size_mb"] == pytest.approx(out.stat().st_size / 1e6, abs=1e-3)
    assert sum(figures["bytes_mb"].values()) == pytest.approx(figures["size_mb"], abs=0.01)
    assert len(figures["first_render_ms"]) == 3
    for key in ("jump_frame_ms", "forward_frame_ms", "play_frame_ms"):
        assert {"p50", "p95", "max", "n"} <= set(figures[key]), key
    assert figures["jump_frame_ms"]["n"] == 10 and figures["forward_frame_ms"]["n"] == 10
