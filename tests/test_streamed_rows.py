"""The main process makes each chunk's rows as the chunk comes in, while the workers measure
the chunks after it (issue 20), and a failure while it does stops the workers."""

from __future__ import annotations

import importlib
import multiprocessing
import time

import pytest

from geotools.pairs import run_chunk
from geotools.regions import RegionSpec
from geotools.table_rows import TableRows

#: (importlib: the package exports a function so named)
series_module = importlib.import_module("geotools.series")

#: Set by the test before the run; the forked workers inherit it.
SLOW: dict = {}


def slow_last(job, found):
    """run_chunk, noting when each chunk ends (in a file: the workers are other processes);
    the run's last chunk ends 1.5 s late."""
    out = run_chunk(job, found)
    if job.periods[-1].to_date == SLOW["last_day"]:
        time.sleep(1.5)
    with SLOW["log"].open("a") as fh:
        fh.write(f"{time.time()}\n")
    return out


def slow_each(job, found):
    """run_chunk, each chunk after the first ending 4 s late."""
    out = run_chunk(job, found)
    if job.stocks_at_start is False:
        time.sleep(4)
    return out


def test_rows_are_made_while_later_chunks_still_run(
    monkeypatch, tmp_path, deepstate_daily, boundaries_full
):
    files = sorted(deepstate_daily.glob("*.geojson.gz"))[:40]
    spec = RegionSpec(boundaries_full)
    expected = series_module.series(
        files, period="day", regions=spec, workers=1, use_cache=False
    ).table

    rows_at: list[float] = []
    add = TableRows.add

    def timed_add(self, *args, **kw):
        rows_at.append(time.time())
        return add(self, *args, **kw)

    dates = sorted(r.date for r in series_module.resolve_refs(files))
    log = tmp_path / "chunks.log"
    monkeypatch.setitem(SLOW, "last_day", dates[-1])
    monkeypatch.setitem(SLOW, "log", log)
    monkeypatch.setattr(series_module, "run_chunk", slow_last)
    monkeypatch.setattr(TableRows, "add", timed_add)
    monkeypatch.setenv("GEOTOOLS_CACHE", str(tmp_path / "cache"))
    result = series_module.series(files, period="day", regions=spec, workers=2)

    ends = sorted(float(line) for line in log.read_text().split())
    assert len(ends) >= 3  # several chunks
    assert rows_at and min(rows_at) < ends[-1] - 1.0  # rows made before the last chunk ended
    assert result.table.equals(expected)


def test_a_failure_while_taking_the_rows_stops_the_workers(
    monkeypatch, tmp_path, deepstate_daily, boundaries_full
):
    files = sorted(deepstate_daily.glob("*.geojson.gz"))[:40]
    calls = {"n": 0}
    areas = series_module.TotalAccounts.areas

    def failing(self, period, s):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("taken badly")
        return areas(self, period, s)

    monkeypatch.setattr(series_module.TotalAccounts, "areas", failing)
    monkeypatch.setattr(series_module, "run_chunk", slow_each)
    monkeypatch.setenv("GEOTOOLS_CACHE", str(tmp_path / "cache"))
    spec = RegionSpec(boundaries_full)
    with pytest.raises(RuntimeError, match="taken badly"):
        series_module.series(files, period="day", regions=spec, workers=2)
    # the worker busy with a later chunk is ended, not left to finish it (4 s more)
    deadline = time.monotonic() + 2
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert multiprocessing.active_children() == []


def test_a_cold_run_starts_its_workers_before_it_hashes_the_files(
    monkeypatch, tmp_path, deepstate_daily, boundaries_full
):
    """A run whose files the cache has not seen (issue 20): the chunks look themselves up in
    the workers (this process makes no lookup), and this process still learns every file's
    digest for the cache's index, so the next run reads none of them only to hash it."""
    from geotools import cache

    files = sorted(deepstate_daily.glob("*.geojson.gz"))[:60]
    spec = RegionSpec(boundaries_full)
    expected = series_module.series(
        files, period="day", regions=spec, workers=1, use_cache=False
    ).table
    monkeypatch.setattr(cache, "_DIGESTS", {})  # this process has hashed none of them
    monkeypatch.setenv("GEOTOOLS_CACHE", str(tmp_path / "cache"))
    assert not any(cache.digest_known(f) for f in files[1:])

    def no_lookup(job):
        raise AssertionError("looked up in the main process")

    with monkeypatch.context() as m:
        m.setattr(series_module, "lookup", no_lookup)
        cold = series_module.series(files, period="day", regions=spec, workers=2)
    assert cold.table.equals(expected)
    assert all(cache.digest_known(f) for f in files)

    looked: list[int] = []
    lookup = series_module.lookup

    def counted(job):
        looked.append(len(job.periods))
        return lookup(job)

    monkeypatch.setattr(series_module, "lookup", counted)
    warm = series_module.series(files, period="day", regions=spec, workers=2)
    assert looked  # a run that knows its files looks them up here first
    assert warm.table.equals(expected)
