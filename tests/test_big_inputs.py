"""Big inputs (issue 16): files read and dissolved batch by batch measure as when read whole,
and memory does not grow with the features of a file whose territory does not."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import shapely

from geotools.crs import _polygon_area, geodesic_area_m2
from geotools.read import ReadOptions, load_snapshot, resolve_refs
from tests.conftest import REPO


def _bigfile() -> ModuleType:
    """benchmarks/bigfile.py, the generator of the benchmark's big files."""
    spec = importlib.util.spec_from_file_location("bigfile", REPO / "benchmarks" / "bigfile.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def small_big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 small polygons, many overlapping, ~2 % self-crossing, three statuses."""
    path = tmp_path_factory.mktemp("big") / "20240801.geojson"
    return _bigfile().write_big(path, 3_000)


@pytest.mark.parametrize("status_field", [None, "status"])
def test_batched_read_measures_as_the_whole_file(
    small_big_file: Path, monkeypatch: pytest.MonkeyPatch, status_field: str | None
) -> None:
    options = ReadOptions(status_field=status_field, profile="none")
    ref = resolve_refs([small_big_file], options=options)[0]
    whole = load_snapshot(ref, options=options, use_cache=False)
    monkeypatch.setenv("GEOTOOLS_BIG_BYTES", "1")  # every file is big: read in 5 batches
    monkeypatch.setenv("GEOTOOLS_BATCH_FEATURES", "700")
    batched = load_snapshot(ref, options=options.with_crs(whole.crs), use_cache=False)
    assert batched.repairs == whole.repairs
    assert batched.repairs.invalid_repaired > 0  # the repairs ran on every batch
    assert list(batched.geometries) == list(whole.geometries)
    assert len(whole.geometries) == (3 if status_field else 1)
    for name, geom in whole.geometries.items():
        other = batched.geometries[name]
        assert shapely.is_valid(other)
        assert shapely.get_num_geometries(other) == shapely.get_num_geometries(geom)
        assert batched.area_m2(name) == pytest.approx(whole.area_m2(name), rel=1e-12)
        assert shapely.area(shapely.symmetric_difference(geom, other)) < 1e-9 * shapely.area(geom)


def _peak_mb(path: Path, env: dict[str, str]) -> float:
    """Peak memory (MB) of `geotools info PATH` in a process of its own, measured by a
    wrapper process whose only child it is (RUSAGE_CHILDREN is the largest child's peak)."""
    wrapper = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run([sys.executable, '-m', 'geotools', 'info', '--json', sys.argv[1]],"
        " capture_output=True)\n"
        "assert done.returncode == 0, done.stderr.decode()[-500:]\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", wrapper, str(path)],
        capture_output=True,
        env=env,
        check=True,
        timeout=300,
    )
    return int(out.stdout.split()[-1]) / 1024


def test_memory_does_not_grow_with_the_features(tmp_path: Path) -> None:
    """6× the features of one territory (copies of 100 hexagons): today's reader held every
    feature (its JSON, then its geometry) and grew by ~3 KB a feature, ~120 MB here; read in
    batches of 4,000 the peak stays within a few MB of the small file's."""
    bigfile = _bigfile()
    small = bigfile.write_repeats(tmp_path / "small" / "20240801.geojson", 8_000)
    large = bigfile.write_repeats(tmp_path / "large" / "20240801.geojson", 48_000)
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "GEOTOOLS_CACHE": str(tmp_path / "cache"),
        "GEOTOOLS_BIG_BYTES": str(2**20),  # both files are big (1.6 and 9.6 MB)
        "GEOTOOLS_BATCH_FEATURES": "4000",
    }
    grown = _peak_mb(large, env) - _peak_mb(small, env)
    assert grown < 50, f"peak memory grew by {grown:.0f} MB for 40,000 more features"


def test_geodesic_area_of_many_parts_is_the_per_ring_sum() -> None:
    """The vectorised geodesic area makes the same Geod calls on the same coordinates, in
    the same order: equal to the last bit, holes and all."""
    rng = np.random.default_rng(3)
    polys = []
    for x, y in rng.uniform((30, 45), (40, 52), (300, 2)):
        shell = shapely.Point(x, y).buffer(0.05, quad_segs=int(rng.integers(2, 9)))
        holes = [shapely.Point(x + dx, y).buffer(0.01).exterior for dx in (-0.02, 0.02)]
        polys.append(shapely.Polygon(shell.exterior, holes[: int(rng.integers(0, 3))]))
    multi = shapely.MultiPolygon(polys)
    expected = 0.0
    for poly in polys:
        expected += _polygon_area(poly)
    assert geodesic_area_m2(multi) == expected
    assert geodesic_area_m2(polys[0]) == _polygon_area(polys[0])
    assert geodesic_area_m2(shapely.MultiPolygon()) == 0.0


def test_a_bad_batch_setting_is_one_line(small_big_file: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "GEOTOOLS_BATCH_FEATURES": "lots"}
    env["GEOTOOLS_BIG_BYTES"] = "1"
    done = subprocess.run(
        [sys.executable, "-m", "geotools", "info", str(small_big_file)],
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "GEOTOOLS_BATCH_FEATURES='lots'" in lines[0], lines


def test_info_json_of_a_batched_file(small_big_file: Path, tmp_path: Path) -> None:
    """The command line on a file read in batches: the figures of the whole-file read."""
    base = {**os.environ, "PYTHONPATH": str(REPO), "GEOTOOLS_CACHE": str(tmp_path / "c")}
    cmd = [sys.executable, "-m", "geotools", "info", "--json", "--status-field", "status"]
    records = []
    for extra in ({}, {"GEOTOOLS_BIG_BYTES": "1", "GEOTOOLS_BATCH_FEATURES": "1000"}):
        done = subprocess.run(
            [*cmd, str(small_big_file)],
            capture_output=True,
            env={**base, **extra, "GEOTOOLS_CACHE": str(tmp_path / str(len(extra)))},
            timeout=120,
            check=True,
        )
        records.append(json.loads(done.stdout))
    whole, batched = records
    assert batched["repairs"] == whole["repairs"]
    assert set(batched["statuses"]) == {"occupied", "contested", "liberated"}
    for name, figures in whole["statuses"].items():
        assert batched["statuses"][name]["parts"] == figures["parts"]
        for key in ("area_km2", "geodesic_km2"):
            assert batched["statuses"][name][key] == pytest.approx(figures[key], rel=1e-12)
