"""A chunk diffs all its pairs before it needs the region layer, and waits for the layer the
main process builds (issue 20: the workers start while it is built); the table is the one a
run without waiting makes."""

from __future__ import annotations

import threading
import time

import geotools.pairs as pairs
from geotools.regions import RegionSpec
from geotools.series import series


def test_a_chunk_diffs_every_pair_before_it_waits_for_the_layer(
    monkeypatch, tmp_path, deepstate_daily, boundaries_full
):
    files = sorted(deepstate_daily.glob("*.geojson.gz"))[:8]
    spec = RegionSpec(boundaries_full)
    expected = series(files, period="day", regions=spec, workers=1, use_cache=False).table

    events: list[tuple[str, float]] = []
    diff = pairs.diff_snapshots

    def diffed(*args, **kw):
        events.append(("diff", time.perf_counter()))
        return diff(*args, **kw)

    built = threading.Event()  # as a worker's: set by the main process once the layer is built
    monkeypatch.setattr(pairs, "diff_snapshots", diffed)
    monkeypatch.setattr(pairs, "_LAYER_BUILT", built)
    wait = pairs.await_layer

    def awaited() -> None:
        wait()
        events.append(("layer", time.perf_counter()))

    monkeypatch.setattr(pairs, "await_layer", awaited)
    monkeypatch.setenv("GEOTOOLS_CACHE", str(tmp_path / "cache"))
    began = time.perf_counter()
    threading.Timer(0.3, built.set).start()
    table = series(files, period="day", regions=spec, workers=1).table

    kinds = [kind for kind, _ in events]
    assert kinds == ["diff"] * 7 + ["layer"], kinds  # every pair first, then the layer, once
    assert events[-1][1] - began >= 0.29  # it waited for the event
    assert table.equals(expected)
