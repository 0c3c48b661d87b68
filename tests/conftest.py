"""Shared fixtures: real data location, synthetic geometry writers, CLI runners."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import shapely

REPO = Path(__file__).resolve().parents[1]
# Tests never touch the user's cache: one fresh cache per test session (subprocesses inherit it),
# removed when the session ends (a run writes some 3,500 files there).
os.environ["GEOTOOLS_CACHE"] = tempfile.mkdtemp(prefix="geotools-test-cache-")
atexit.register(shutil.rmtree, os.environ["GEOTOOLS_CACHE"], True)
DATA = Path(os.environ.get("GEOTOOLS_TEST_DATA", REPO.parent / "shared" / "data")).resolve()


def data_path(*parts: str) -> Path:
    """A path under the real test data, skipping the test when the data is absent (failing it
    instead under GEOTOOLS_REQUIRE_DATA=1, set by CI, so the real-data tests never vanish)."""
    path = DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("GEOTOOLS_REQUIRE_DATA") == "1":
            pytest.fail(
                f"real test data not found at {path}: GEOTOOLS_REQUIRE_DATA=1 forbids skipping"
                " (set GEOTOOLS_TEST_DATA to the data folder)",
                pytrace=False,
            )
        pytest.skip(f"real test data not found at {path} (set GEOTOOLS_TEST_DATA)")
    return path


@pytest.fixture(scope="session")
def deepstate_daily() -> Path:
    return data_path("deepstate", "daily")


def write_geojson(
    path: Path,
    geoms: Sequence[shapely.Geometry | None],
    props: Sequence[dict[str, Any]] | None = None,
    crs: str | None = None,
) -> Path:
    """Write a FeatureCollection by hand (so tests control every byte)."""
    features = []
    for i, geom in enumerate(geoms):
        features.append(
            {
                "type": "Feature",
                "properties": (props[i] if props else {}),
                "geometry": None if geom is None else json.loads(shapely.to_geojson(geom)),
            }
        )
    doc: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc))
    return path


@pytest.fixture
def geojson_writer(tmp_path: Path) -> Callable[..., Path]:
    def _write(name: str, geoms: Sequence[shapely.Geometry | None], **kw: Any) -> Path:
        return write_geojson(tmp_path / name, geoms, **kw)

    return _write


def run_cli(
    args: Sequence[str], module: bool = False, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real command line (console script or python -m) in a subprocess."""
    cmd = [sys.executable, "-m", "geotools", *args] if module else ["geotools", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=600)


def run_benchmark(
    script: str, *args: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Run ``benchmarks/<script>`` from the repo root; its result and the figures of its last
    line (one JSON object). A failed run fails the test with its stderr."""
    res = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script), *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    assert res.returncode == 0, res.stderr
    return res, json.loads(res.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def boundaries_full() -> Path:
    return data_path("boundaries", "geoBoundaries-UKR-ADM1.geojson.gz")
