"""The workers of a run's own Dask cluster end with the run (issue 16, as tests/test_workers.py
for the process pool): kill -9 of the run, or SIGTERM while the cluster starts, and the
caller's pipe reaches end-of-file with no process of the run left behind.

Dask guards the first case itself: each worker process watches a pipe from its parent and
exits when it closes (distributed's ``AsyncProcess``). geotools adds no ``PR_SET_PDEATHSIG``
there: Dask starts each worker process from a helper thread of its own, and Linux sends that
signal when the creating *thread* ends, which ties the worker to a thread geotools does not
own. This test keeps Dask's guard honest across Dask versions."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, data_path
from tests.test_workers import _alive, _children

pytest.importorskip("distributed")  # the [dask] extra; CI installs it
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (Dask's worker processes, multiprocessing's tracker…)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in _children(todo.pop()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _start(tmp_path: Path) -> subprocess.Popen[bytes]:
    """A `series` run on a local 2-worker Dask cluster, stdout and stderr piped."""
    folder = data_path("deepstate", "daily")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "geotools", "series", str(folder), "--scheduler"]
    cmd += ["distributed", "--workers", "2", "--no-cache", "--period", "day"]
    cmd += ["--by", str(data_path("boundaries", "geoBoundaries-UKR-ADM1.geojson.gz"))]
    cmd += ["-o", str(tmp_path / "out.csv")]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


def _wait_for(proc: subprocess.Popen[bytes], workers: int) -> set[int]:
    """The run's processes once it has ``workers`` worker processes (and its tracker)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        below = _descendants(proc.pid)
        if len(below) >= workers + 1:
            return below
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    proc.kill()
    _out, err = proc.communicate(timeout=30)
    pytest.fail(f"no Dask workers appeared: exit {proc.returncode}, {err.decode()[-500:]}")


def _ends(proc: subprocess.Popen[bytes], seen: set[int]) -> bytes:
    """Read the pipes to end-of-file within a deadline; no process of the run is left."""
    try:
        _out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        for pid in _descendants(proc.pid) | seen:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the pipe stayed open after the run ended: Dask's workers outlived it")
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in seen) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in seen if _alive(p)]
    return err


def test_kill_9_ends_the_dask_workers(tmp_path: Path) -> None:
    proc = _start(tmp_path)
    _wait_for(proc, 2)
    time.sleep(0.5)  # the cluster is up; the whole run takes ~3 s on an idle 2-core machine
    seen = _descendants(proc.pid)
    if proc.poll() is not None:  # ended by itself: say how, rather than a bare exit code
        _out, err = proc.communicate(timeout=30)
        pytest.fail(f"the run ended before the kill: exit {proc.returncode}, {err.decode()[-800:]}")
    assert seen, "no worker process to outlive the run"
    proc.kill()
    _ends(proc, seen)
    assert proc.returncode == -signal.SIGKILL


def test_sigterm_while_the_cluster_starts_is_one_line(tmp_path: Path) -> None:
    """A cluster interrupted while it starts used to be closed by Dask's exit hook, which
    printed an AssertionError traceback after geotools' one line."""
    proc = _start(tmp_path)
    seen = _wait_for(proc, 1)  # the first worker process exists: the cluster is starting
    proc.send_signal(signal.SIGTERM)
    err = _ends(proc, seen | _descendants(proc.pid))
    assert proc.returncode == 143, err.decode()[-800:]
    assert [line for line in err.decode().splitlines() if line.strip()] == ["geotools: terminated"]
    assert list(tmp_path.iterdir()) == []
