"""Workers end with their run: kill -9 or SIGTERM the parent, the pipe reaches end-of-file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, data_path

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _children(pid: int) -> set[int]:
    """Process ids whose parent is ``pid`` (from /proc)."""
    out = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid …": comm may hold spaces, so split after the last ')'
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            out.add(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start(tmp_path: Path) -> tuple[subprocess.Popen[bytes], set[int]]:
    """A `series` run with two workers, its stdout and stderr piped; returns once the workers
    exist."""
    folder = data_path("deepstate", "daily")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "geotools", "series", str(folder), "--workers", "2"]
    cmd += ["--no-cache", "--period", "day", "-o", str(tmp_path / "out.csv")]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        workers = _children(proc.pid)
        if len(workers) >= 2:
            time.sleep(0.5)  # let them start measuring
            return proc, _children(proc.pid)
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    _out, err = proc.communicate(timeout=30)
    pytest.fail(f"no workers appeared: exit {proc.returncode}, {err.decode()[-500:]}")


def _ends(proc: subprocess.Popen[bytes], workers: set[int]) -> tuple[bytes, bytes]:
    """Read stdout and stderr to end-of-file within a few seconds; the workers must be gone."""
    try:
        out, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the pipe stayed open after the run ended: its workers outlived it")
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in workers if _alive(p)]
    return out, err


def test_kill_9_ends_the_workers(tmp_path: Path) -> None:
    proc, workers = _start(tmp_path)
    proc.kill()
    _ends(proc, workers)
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize(
    ("sig", "code", "said"),
    [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")],
)
def test_sigterm_ends_the_run_like_ctrl_c(
    tmp_path: Path, sig: signal.Signals, code: int, said: str
) -> None:
    proc, workers = _start(tmp_path)
    proc.send_signal(sig)
    _out, err = _ends(proc, workers)
    assert proc.returncode == code, err.decode()[-500:]
    assert [line for line in err.decode().splitlines() if line.strip()] == [f"geotools: {said}"]
    assert list(tmp_path.iterdir()) == []  # no table, no temporary left behind
