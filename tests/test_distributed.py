"""The series on a Dask cluster: the same table as the local run, worker deaths, one-line errors."""

from __future__ import annotations

import importlib
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import pytest
from distributed import Client, LocalCluster

from geotools.errors import ClusterError, UsageError
from geotools.read import ReadOptions
from geotools.regions import RegionSpec
from geotools.series import SeriesResult, series

from .conftest import run_cli

N_FILES = 75  # daily snapshots: 2024-06 to 2024-08, with the archive's gaps


@pytest.fixture(scope="module")
def files(deepstate_daily: Path) -> list[Path]:
    found = sorted(deepstate_daily.glob("*.geojson.gz"))[:N_FILES]
    assert len(found) == N_FILES
    return found


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    """Two single-threaded worker processes, each watched by a nanny that restarts it."""
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address="127.0.0.1:0",  # not 8787: other clusters may be running
    ) as local:
        yield local


def run(files: list[Path], boundaries: Path, cache: Path, **kw: object) -> SeriesResult:
    """The daily per-oblast series, on a cache of its own (so every pair is measured)."""
    os.environ["GEOTOOLS_CACHE"] = str(cache)
    return series(
        files,
        period="day",
        regions=RegionSpec(boundaries),
        show_progress=False,
        **kw,  # type: ignore[arg-type]
    )


def csv_bytes(result: SeriesResult) -> bytes:
    buffer = io.StringIO()
    result.table.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


@pytest.fixture(scope="module")
def local_run(
    files: list[Path], boundaries_full: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SeriesResult]:
    saved = os.environ["GEOTOOLS_CACHE"]
    yield run(files, boundaries_full, tmp_path_factory.mktemp("cache-local"), workers=1)
    os.environ["GEOTOOLS_CACHE"] = saved


@pytest.fixture
def own_cache(tmp_path: Path) -> Iterator[Path]:
    saved = os.environ["GEOTOOLS_CACHE"]
    yield tmp_path / "cache"
    os.environ["GEOTOOLS_CACHE"] = saved


def test_two_worker_cluster_gives_the_local_table_byte_for_byte(
    files: list[Path],
    boundaries_full: Path,
    cluster: LocalCluster,
    local_run: SeriesResult,
    own_cache: Path,
) -> None:
    remote = run(files, boundaries_full, own_cache, address=cluster.scheduler_address)
    assert len(local_run.table) > N_FILES * 25  # one row per day × (27 oblasts, outside, total)
    assert set(local_run.table["region"]) >= {"UA-14", "UA-09", "outside", "total"}
    assert remote.table.equals(local_run.table)
    assert csv_bytes(remote) == csv_bytes(local_run)
    # The workers measured the pairs into the client's cache, not into the one they started
    # with: one entry per pair of snapshots (gap days repeat a pair), each measured once.
    pairs = local_run.table[["from_date", "to_date"]].drop_duplicates()
    assert len(list((own_cache / "pairs").rglob("*.json"))) == len(pairs)
    # ... without changing the workers' own setting, which later clients' tasks still get
    with Client(cluster.scheduler_address) as client:
        # os.getenv goes by reference (os.environ.get would carry the client's environment,
        # a function of this module would import conftest, which sets its own cache)
        seen = client.run(os.getenv, "GEOTOOLS_CACHE")
    assert len(seen) == 2 and str(own_cache) not in seen.values()


@pytest.mark.parametrize("per_worker", [1, 3, 7])
def test_the_table_is_the_same_whatever_the_chunking(
    per_worker: int,
    files: list[Path],
    boundaries_full: Path,
    local_run: SeriesResult,
    own_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 2 forked workers, the periods cut as for 2, 6 or 14 chunks (16 per worker by default),
    # large first, small last: every chunk boundary re-reads a snapshot in another process,
    # and the CSV is unchanged
    module = importlib.import_module("geotools.series")  # the package exports a function so named
    monkeypatch.setattr(module, "LOCAL_CHUNKS_PER_WORKER", per_worker)
    assert len(module.chunk_sizes(len(files) - 1, 2 * per_worker)) >= 4  # boundaries to cross
    chunked = run(files, boundaries_full, own_cache, workers=2)
    assert csv_bytes(chunked) == csv_bytes(local_run)


def test_forked_local_workers_and_a_rerun_on_the_cluster_agree(
    files: list[Path],
    boundaries_full: Path,
    cluster: LocalCluster,
    local_run: SeriesResult,
    own_cache: Path,
) -> None:
    forked = run(files, boundaries_full, own_cache, workers=2)  # ~32 chunks, 2 processes
    assert csv_bytes(forked) == csv_bytes(local_run)
    warm = run(files, boundaries_full, own_cache, scheduler="distributed", address=None)
    assert csv_bytes(warm) == csv_bytes(local_run)  # from the pair cache, in cluster workers


def test_change_polygons_from_the_cluster_equal_the_local_ones(
    files: list[Path], cluster: LocalCluster, own_cache: Path
) -> None:
    os.environ["GEOTOOLS_CACHE"] = str(own_cache)
    kw: dict[str, object] = {"period": "week", "keep_changes": True, "show_progress": False}
    here = series(files[:30], workers=1, **kw)  # type: ignore[arg-type]
    there = series(files[:30], address=cluster.scheduler_address, **kw)  # type: ignore[arg-type]
    assert there.table.equals(here.table)
    assert len(there.changes) == len(here.changes) > 2
    for (p, a), (q, b) in zip(here.changes, there.changes, strict=True):
        assert p == q
        assert [c.gained.wkb for c in a] == [c.gained.wkb for c in b]
        assert [c.lost.wkb for c in a] == [c.lost.wkb for c in b]


def chunk_states(dask_scheduler: Any) -> tuple[dict[str, int], dict[str, list[str]]]:
    """On the scheduler: per worker, how many of the run's chunks it holds finished, and the
    chunks it is processing (running, or next in its queue)."""
    finished: dict[str, int] = {}
    for ts in dask_scheduler.tasks.values():
        if ts.prefix.name == "run_task" and ts.state == "memory":
            for ws in ts.who_has:
                finished[ws.address] = finished.get(ws.address, 0) + 1
    processing = {
        address: [ts.key for ts in ws.processing if ts.prefix.name == "run_task"]
        for address, ws in dask_scheduler.workers.items()
    }
    return finished, processing


def times_processed(dask_scheduler: Any, keys: list[str]) -> dict[str, int]:
    """On the scheduler: how many times each key went to a worker (its transition log)."""
    counts = dict.fromkeys(keys, 0)
    for entry in dask_scheduler.story(*keys):
        if entry[0] in counts and entry[2] == "processing":
            counts[entry[0]] += 1
    return counts


def computed_here(dask_worker: Any, keys: list[str]) -> list[str]:
    """On a worker: the keys its own story shows it computed (executing → memory)."""
    story = dask_worker.state.story(*keys)
    return sorted({e[0] for e in story if e[0] in keys and e[1:3] == ("executing", "memory")})


def run_and_kill_a_worker(
    files: list[Path], boundaries: Path, cache: Path, cluster: LocalCluster
) -> dict[str, Any]:
    """Run the series on ``cluster`` in a thread and, once a chunk has finished, SIGKILL the
    worker process that finished it, which has just started its next chunk (so that chunk is
    mid-run, seconds from its end). The outcome holds the run's ``result`` or ``error``, the
    ``killed`` pid, the ``lost`` keys the scheduler had on that worker, and after a completed
    run ``processed`` (times each lost key went to a worker) and ``computed_by`` (the live
    workers whose own story shows they computed a lost key)."""
    with Client(cluster) as client:
        pids: dict[str, int] = client.run(os.getpid)
        outcome: dict[str, Any] = {}

        def background() -> None:
            try:
                outcome["result"] = run(files, boundaries, cache, address=cluster.scheduler_address)
            except Exception as exc:
                outcome["error"] = exc

        thread = threading.Thread(target=background)
        thread.start()
        deadline = time.monotonic() + 60
        while "killed" not in outcome and thread.is_alive() and time.monotonic() < deadline:
            finished, processing = client.run_on_scheduler(chunk_states)
            victims = [w for w in finished if processing.get(w)]
            if victims:
                outcome["killed"] = pids[victims[0]]
                outcome["lost"] = processing[victims[0]]
                os.kill(pids[victims[0]], signal.SIGKILL)
            time.sleep(0.02)
        thread.join(timeout=300)
        assert "killed" in outcome, "the run ended before a worker could be killed"
        if "result" in outcome:
            lost = outcome["lost"]
            outcome["processed"] = client.run_on_scheduler(times_processed, keys=lost)
            outcome["computed_by"] = client.run(computed_here, keys=lost)
        client.wait_for_workers(2, timeout=60)  # the nanny starts a new process in its place
        assert outcome["killed"] not in client.run(os.getpid).values()
    return outcome


def test_a_worker_killed_mid_run_is_replaced_and_the_table_is_the_same(
    files: list[Path],
    boundaries_full: Path,
    cluster: LocalCluster,
    local_run: SeriesResult,
    own_cache: Path,
) -> None:
    outcome = run_and_kill_a_worker(files, boundaries_full, own_cache, cluster)
    assert "error" not in outcome, outcome.get("error")
    # The chunk running on the killed worker (and any queued behind it) was sent to a worker
    # again and computed by a live one: a rerun, not a result that got there first.
    lost = outcome["lost"]
    assert lost and all(outcome["processed"][key] >= 2 for key in lost), outcome
    computed = {key for keys in outcome["computed_by"].values() for key in keys}
    assert computed == set(lost), outcome
    result = outcome["result"]
    assert isinstance(result, SeriesResult)
    assert csv_bytes(result) == csv_bytes(local_run)


def test_workers_that_keep_dying_fail_the_run_in_one_line(
    files: list[Path], boundaries_full: Path, own_cache: Path
) -> None:
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0"
        ) as fragile,
    ):
        outcome = run_and_kill_a_worker(files, boundaries_full, own_cache, fragile)
    error = outcome.get("error")
    assert isinstance(error, ClusterError), outcome
    assert str(error).startswith("Dask workers died running the chunk 2024-")
    assert "(1 attempt, the last on tcp://127.0.0.1:" in str(error)
    assert len(str(error).splitlines()) == 1


#: Run in a fresh interpreter: the work, then the Dask modules it imported, as JSON.
NO_DASK_PROBE = """
import json, sys
{work}
print(json.dumps(sorted(m for m in sys.modules if m.partition(".")[0] in ("dask", "distributed"))))
"""
LOCAL_SERIES = """
import geotools
for workers in (1, 2):  # in this process, then in forked worker processes
    result = geotools.series(sys.argv[1:], period="day", workers=workers, show_progress=False)
    assert len(result.table) > 0
"""
CLI_HELP = """
from geotools.cli.main import main
sys.argv = ["geotools", "series", "--help"]
try:
    main()
except SystemExit as exit:
    assert exit.code in (0, None), exit.code
"""


@pytest.mark.parametrize(
    "work", ["import geotools", LOCAL_SERIES, CLI_HELP], ids=["import", "local-series", "cli-help"]
)
def test_local_runs_import_no_dask(work: str, files: list[Path]) -> None:
    """Dask is an optional extra: importing geotools, a local series and the series command's
    help must not import it (a subprocess, as this test module imports Dask itself)."""
    code = NO_DASK_PROBE.format(work=work)
    args = [sys.executable, "-c", code, *map(str, files[:4])]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == [], done.stdout


UNCLOSED = {
    "type": "FeatureCollection",
    "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
    "features": [
        {
            "type": "Feature",
            "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [[[36, 48], [37, 48], [37, 49]]]},
        }
    ],
}


@pytest.fixture(params=["corrupt-gzip", "unclosed-ring"])
def bad_folder(request: pytest.FixtureRequest, files: list[Path], tmp_path: Path) -> Path:
    """40 real snapshots, the 30th of them bad: it is read in a cluster worker.

    The unclosed ring is read by GDAL, which also warns: that warning must stay off stderr
    (a -v log line) in the cluster's workers as in the CLI's own process.
    """
    folder = tmp_path / "snaps"
    folder.mkdir()
    for f in files[:40]:
        (folder / f.name).symlink_to(f)
    bad = folder / files[29].name
    bad.unlink()
    if request.param == "corrupt-gzip":
        bad.write_bytes(b"\x1f\x8b not really gzip")
    else:
        bad.with_name(bad.name.replace(".gz", "")).write_text(json.dumps(UNCLOSED))
    return folder


def test_a_bad_file_fails_the_cluster_run_with_the_local_one_line_error(
    bad_folder: Path,
) -> None:
    args = ["series", str(bad_folder), "--period", "day", "--workers", "2"]
    local = run_cli(args, module=True)
    remote = run_cli([*args, "--scheduler", "distributed"], module=True)
    assert local.returncode == remote.returncode == 1
    assert len(local.stderr.splitlines()) == 1, local.stderr
    assert local.stderr.startswith(f"geotools: error: {bad_folder}/2024")
    assert remote.stderr == local.stderr, remote.stderr
    assert remote.stdout == local.stdout == ""


def test_a_bad_file_read_ahead_by_a_worker_fails_as_in_one_process(
    files: list[Path], boundaries_full: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The 4th file is read by a worker's chunk while the main process builds the region
    # layer: the run still fails in one line, the one a single process prints.
    folder = tmp_path / "snaps"
    folder.mkdir()
    for f in files[:40]:
        (folder / f.name).symlink_to(f)
    bad = folder / files[3].name
    bad.unlink()
    bad.write_bytes(b"\x1f\x8b not really gzip")
    base = ["series", str(folder), "--period", "day", "--by", str(boundaries_full)]
    monkeypatch.setenv("GEOTOOLS_CACHE", str(tmp_path / "cache-2"))  # cold: chunks start at once
    two = run_cli([*base, "--workers", "2"], module=True)
    monkeypatch.setenv("GEOTOOLS_CACHE", str(tmp_path / "cache-1"))
    one = run_cli([*base, "--workers", "1"], module=True)
    assert one.returncode == two.returncode == 1
    assert len(two.stderr.splitlines()) == 1, two.stderr
    assert two.stderr == one.stderr
    assert two.stderr.startswith(f"geotools: error: {bad}")


def test_the_command_line_on_a_local_cluster_prints_the_same_and_nothing_else(
    files: list[Path],
) -> None:
    args = ["series", *map(str, files[:40]), "--period", "week"]
    local = run_cli(args, module=True)
    remote = run_cli([*args, "--scheduler", "distributed", "--workers", "2"], module=True)
    assert local.returncode == remote.returncode == 0, remote.stderr
    assert remote.stdout == local.stdout and "2024-" in local.stdout
    assert remote.stderr == local.stderr == ""


def test_cluster_options_are_checked(files: list[Path]) -> None:
    inputs = [str(f) for f in files[:3]]
    both = run_cli(
        ["series", *inputs, "--address", "tcp://127.0.0.1:1", "--workers", "2"], module=True
    )
    assert both.returncode == 2
    assert "--workers sets the processes of a local Dask cluster" in both.stderr
    local = run_cli(
        ["series", *inputs, "--scheduler", "local", "--address", "tcp://x:1"], module=True
    )
    assert local.returncode == 2 and len(local.stderr.splitlines()) == 1


def test_an_unreachable_scheduler_is_one_line(files: list[Path]) -> None:
    env = dict(os.environ, DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="1s")
    inputs = [str(f) for f in files[:3]]
    cmd = [sys.executable, "-m", "geotools", "series", *inputs, "--address", "tcp://127.0.0.1:9"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1
    assert done.stderr.startswith("geotools: error: cannot reach the Dask scheduler at tcp://")
    assert len(done.stderr.splitlines()) == 1


def test_without_dask_the_distributed_scheduler_names_the_extra(
    files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if Dask were not installed
    with pytest.raises(UsageError, match=r"pip install 'geotools-frontline\[dask\]'"):
        series(files[:3], period="day", scheduler="distributed", show_progress=False)


def test_status_classes_and_transitions_on_the_cluster_equal_the_local_run(
    cluster: LocalCluster, boundaries_full: Path, own_cache: Path
) -> None:
    """Raw DeepState with the deepstate-raw profile: the class table and the transition
    matrices from the cluster equal the local ones (the profile travels to the workers)."""
    from .conftest import data_path

    raw = sorted(data_path("deepstate_raw", "daily").glob("*.geojson.gz"))[150:180]
    kw: dict[str, object] = {"options": ReadOptions(profile="deepstate-raw"), "transitions": True}
    local = run(raw, boundaries_full, own_cache / "local", workers=1, **kw)
    remote = run(
        raw, boundaries_full, own_cache / "remote", address=cluster.scheduler_address, **kw
    )
    assert local.transitions is not None and remote.transitions is not None
    assert set(local.table["status"]) >= {"occupied", "contested", "liberated", "russian_control"}
    assert csv_bytes(remote) == csv_bytes(local)
    assert remote.transitions.equals(local.transitions)
