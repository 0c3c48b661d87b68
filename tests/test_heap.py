"""The collector during a run (geotools.heap, issue 20): what existed before a run is out of
full collections while it runs, and back in after; garbage the run makes is still collected."""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import sys
import weakref
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import shapely

from geotools.heap import frozen_heap
from geotools.pairs import start_worker
from geotools.series import series
from tests.conftest import write_geojson


class _Node:
    """An object that can be part of a reference cycle, and be watched (weakref)."""

    def __init__(self) -> None:
        self.other: object = None


@pytest.fixture(autouse=True)
def _no_freeze_left() -> None:
    gc.unfreeze()


def test_frozen_within_and_not_after() -> None:
    assert gc.get_freeze_count() == 0
    with frozen_heap():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_garbage_made_within_is_collected() -> None:
    with frozen_heap():
        a, b = _Node(), _Node()
        a.other, b.other = b, a  # a cycle: only the cyclic collector frees it
        watch = weakref.ref(a)
        del a, b
        gc.collect()
        assert watch() is None


def test_garbage_from_before_is_collected_after() -> None:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    watch = weakref.ref(a)
    with frozen_heap():
        del a, b
        gc.collect()  # frozen: out of sight
        assert watch() is not None
    gc.collect()  # back in sight, and freed
    assert watch() is None


def test_a_freeze_of_the_caller_is_left_alone() -> None:
    gc.freeze()
    held = gc.get_freeze_count()
    with frozen_heap():
        pass
    assert gc.get_freeze_count() == held > 0


def test_series_leaves_no_freeze(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOTOOLS_CACHE", str(tmp_path / "cache"))
    files = [
        write_geojson(tmp_path / "2024-01-01.geojson", [shapely.box(30.0, 48.0, 30.2, 48.2)]),
        write_geojson(tmp_path / "2024-01-02.geojson", [shapely.box(30.0, 48.0, 30.25, 48.2)]),
    ]
    seen: list[int] = []
    module = sys.modules["geotools.series"]
    real = module.run_chunk

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.get_freeze_count())
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "run_chunk", spy)
    result = series(files, period="day", show_progress=False, workers=1)
    assert len(result.table) > 0
    assert seen and seen[0] > 0  # frozen while it ran
    assert gc.get_freeze_count() == 0  # and not after


def _freeze_count() -> int:
    return gc.get_freeze_count()


def test_a_worker_freezes_what_it_inherited() -> None:
    context = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(
        max_workers=1, mp_context=context, initializer=start_worker, initargs=(os.getpid(), None)
    ) as pool:
        assert pool.submit(_freeze_count).result() > 0
    assert gc.get_freeze_count() == 0  # not this process
