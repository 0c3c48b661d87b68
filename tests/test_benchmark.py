"""A small smoke run of the side-by-side benchmark (figures are for humans; none asserted)."""

import json
import subprocess
import sys

from .conftest import REPO, data_path


def test_benchmark_smoke_runs_and_agrees_with_naive():
    data_path("deepstate", "daily")
    res = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "run.py"),
            *("--limit", "40", "--workers", "2", "--densify", "3", "--multiply", "2"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    assert res.returncode == 0, res.stderr
    figures = json.loads(res.stdout.strip().splitlines()[-1])
    for key in (
        "snapshots",
        "naive_s",
        "geotools_s",
        "ratio",
        "max_abs_diff_m2",
        "peak_rss_mb",
        "warm_s",
        "incremental_s",
    ):
        assert key in figures, key
    assert figures["snapshots"] == 40
    assert figures["max_abs_diff_m2"] <= 1.0  # same numbers as the naive pipeline
    assert figures["agree"] is True
    # warm (this process and a new one) and incremental give the cold run's table
    assert res.stdout.count("identical: True") == 2
    assert "identical: False" not in res.stdout
    (dense,) = figures["densified"]
    assert 2.5 < dense["vertex_factor"] < 4.0 and dense["snapshots"] == 40
    assert figures["multiplied"]["snapshots"] == 80
    assert figures["multiplied"]["vertex_factor"] == 2.0
