"""Nothing half-written: killed runs, concurrent runs on one cache, and the write discipline."""

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd

from geotools import cache as cache_mod

from .conftest import REPO

WRITE = re.compile(
    r"\.to_(csv|file|parquet|json)\(|open\([^)]*[\"'][wa]b?[\"']|\.write_(text|bytes)\(|os\.replace"
)


def test_every_write_goes_through_the_atomic_helper():
    offenders = []
    for path in (REPO / "geotools").rglob("*.py"):
        if path.name == "output.py":  # the atomic helper itself
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            # outside output.py a writer may only write the temporary path atomic_path yields
            if WRITE.search(line) and "(tmp" not in line:
                offenders.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    assert offenders == []


def _series_cmd(deepstate_daily, boundaries_full, out):
    return [
        "geotools",
        "series",
        str(deepstate_daily),
        "--period",
        "day",
        "--by",
        str(boundaries_full),
        "--workers",
        "2",
        "-o",
        str(out),
    ]


def _cache_entries_readable(root: Path) -> int:
    """Every entry under its real name reads back whole. A kill can leave a temporary
    (".<key>.<random>.tmp.snap"): it is never read under an entry's name, so it is harmless."""
    n = 0
    for snap in root.rglob("*.snap"):
        if snap.name.startswith("."):
            continue
        assert cache_mod.load_parsed(snap.stem) is not None, snap
        n += 1
    for pair in (root / "pairs").rglob("*.json") if (root / "pairs").exists() else []:
        if pair.name.startswith("."):
            continue
        assert cache_mod.load_json("pairs", pair.stem) is not None, pair
        n += 1
    return n


def test_killed_run_leaves_previous_output_and_cache_whole(
    deepstate_daily, boundaries_full, tmp_path, monkeypatch
):
    root = tmp_path / "cache"
    env = dict(os.environ, GEOTOOLS_CACHE=str(root))
    monkeypatch.setenv("GEOTOOLS_CACHE", str(root))
    out = tmp_path / "table.csv"
    out.write_text("previous\n")
    proc = subprocess.Popen(
        _series_cmd(deepstate_daily, boundaries_full, out),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 120
    while time.time() < deadline and len(list(root.rglob("*.snap"))) < 100:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGKILL)  # the whole group: main process and workers
    proc.wait()
    assert out.read_text() == "previous\n"
    assert _cache_entries_readable(root) >= 100
    # the next run recovers, and gives what an uninterrupted run gives
    res = subprocess.run(
        _series_cmd(deepstate_daily, boundaries_full, out),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr
    clean = tmp_path / "clean.csv"
    env_clean = dict(os.environ, GEOTOOLS_CACHE=str(tmp_path / "fresh"))
    subprocess.run(
        _series_cmd(deepstate_daily, boundaries_full, clean),
        env=env_clean,
        check=True,
        capture_output=True,
        timeout=600,
    )
    pd.testing.assert_frame_equal(pd.read_csv(out), pd.read_csv(clean))


def test_two_runs_at_once_on_one_cache(deepstate_daily, boundaries_full, tmp_path, monkeypatch):
    root = tmp_path / "cache"
    env = dict(os.environ, GEOTOOLS_CACHE=str(root))
    monkeypatch.setenv("GEOTOOLS_CACHE", str(root))
    outs = [tmp_path / "a.csv", tmp_path / "b.csv"]
    procs = [
        subprocess.Popen(
            _series_cmd(deepstate_daily, boundaries_full, o),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for o in outs
    ]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    pd.testing.assert_frame_equal(pd.read_csv(outs[0]), pd.read_csv(outs[1]))
    assert _cache_entries_readable(root) >= 769


def test_stale_temporaries_are_swept(tmp_path):
    """A killed run's leftover temporaries are removed on the next run; a live one is kept."""
    root = tmp_path / "cache"
    (root / "snapshots" / "ab").mkdir(parents=True)
    stale = root / "snapshots" / "ab" / ".abcd.snap.123.deadbeef.tmp"
    fresh = root / "snapshots" / "ab" / ".abce.snap.124.deadbeef.tmp"
    entry = root / "snapshots" / "ab" / "abcd.snap"
    for f in (stale, fresh, entry):
        f.write_bytes(b"x")
    old = time.time() - 2 * cache_mod.STALE_TEMPORARY_S
    os.utime(stale, (old, old))
    os.utime(entry, (old, old))
    assert cache_mod.sweep_temporaries(root) == 1
    assert not stale.exists() and fresh.exists() and entry.exists()
