"""Caches in memory and on disk around a series' pairs: keyed by content, with an owner."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
import shapely

from geotools.demo import DEMO_CRS, write_scenario
from geotools.read import ReadOptions
from geotools.series import series


def _grid(shift_km: float) -> str:
    """A 3 × 2 grid of 40 km regions in the demo's CRS, shifted east by ``shift_km``, as
    GeoJSON text (the same codes whatever the shift)."""
    features = []
    for i in range(3):
        for j in range(2):
            x0 = (i * 40 + shift_km) * 1000
            geom = shapely.box(x0, j * 40_000, x0 + 40_000, (j + 1) * 40_000)
            features.append(
                {
                    "type": "Feature",
                    "properties": {"code": f"R{j + 1}{'ABC'[i]}"},
                    "geometry": json.loads(shapely.to_geojson(geom)),
                }
            )
    return json.dumps(
        {
            "type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": DEMO_CRS.to_wkt()}},
            "features": features,
        }
    )


def _run(folder, regions, **kw):
    return series(
        [folder],
        period="week",
        options=ReadOptions(crs=DEMO_CRS),
        regions=regions,
        region_field="code",
        show_progress=False,
        **kw,
    ).table


def test_a_region_file_edited_in_place_gives_the_new_figures(tmp_path):
    """One process, one region file rewritten in place between two runs: the second run
    measures the new regions (the in-memory layer is keyed by the file's content, and the
    pair cache by the layer it used), not the layer it built first."""
    folder = tmp_path / "snaps"
    write_scenario(folder)
    regions = tmp_path / "grid.geojson"
    regions.write_text(_grid(0.0))
    before = _run(folder, regions)
    with open(regions, "w") as fh:  # the same file, rewritten (same inode)
        fh.write(_grid(10.0))
    after = _run(folder, regions)
    fresh = tmp_path / "fresh.geojson"  # a path this process has never seen
    shutil.copyfile(regions, fresh)
    expected = _run(folder, fresh, use_cache=False)
    assert not after.equals(before)
    assert after.to_csv() == expected.to_csv()
    r1a = after[(after["region"] == "R1A") & (after["period_start"] == after["period_start"][0])]
    assert r1a["area_from_km2"].iloc[0] == 10.0 * 40.0  # front at 20 km: 10 km of the shifted cell


def test_no_cache_reads_and_writes_nothing(tmp_path, monkeypatch):
    """use_cache=False (--no-cache) leaves the cache folder empty, the region layer
    included."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("GEOTOOLS_CACHE", str(cache))
    folder = tmp_path / "snaps"
    write_scenario(folder)
    regions = tmp_path / "grid.geojson"
    regions.write_text(_grid(5.0))
    table = _run(folder, regions, use_cache=False)
    assert len(table) > 0
    assert not cache.exists() or not [p for p in cache.rglob("*") if p.is_file()]
    _run(folder, regions)  # the same run with the cache writes entries (the test can fail)
    assert [p for p in cache.rglob("*") if p.is_file()]


@pytest.mark.parametrize("command", ["series", "map", "chart"])
def test_no_cache_on_the_command_line_leaves_an_existing_cache_untouched(tmp_path, command):
    """--no-cache reads and writes nothing in GEOTOOLS_CACHE, also when the folder exists:
    no parsed snapshot, no detection verdict, no digest index at exit."""
    cache = tmp_path / "cache"
    cache.mkdir()
    folder = tmp_path / "snaps"
    write_scenario(folder)
    out = tmp_path / {"series": "t.csv", "map": "m.html", "chart": "c.png"}[command]
    extra = ["--period", "snapshot"] if command == "chart" else []
    res = subprocess.run(
        [sys.executable, "-m", "geotools", command, str(folder), "--no-cache", *extra,
         "-o", str(out)],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "GEOTOOLS_CACHE": str(cache)},
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert out.exists()
    assert [p for p in cache.rglob("*") if p.is_file()] == []
