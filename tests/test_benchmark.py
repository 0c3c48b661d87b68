"""A small smoke run of the side-by-side benchmark (figures are for humans; none asserted)."""

from .conftest import data_path, run_benchmark


def test_benchmark_smoke_runs_and_agrees_with_naive():
    data_path("deepstate", "daily")
    res, figures = run_benchmark(
        "run.py", "--limit", "40", "--workers", "2", "--densify", "3", "--multiply", "2"
    )
    for key in (
        "snapshots",
        "naive_s",
        "geotools_s",
        "ratio",
        "max_abs_diff_m2",
        "peak_rss_mb",
        "warm_s",
        "incremental_s",
    ):
        assert key in figures, key
    assert figures["snapshots"] == 40
    for key in (
        "raw_s",
        "raw_naive_s",
        "raw_ratio",
        "raw_vs_flattened_per_snapshot",
        "raw_max_abs_diff_m2",
    ):
        assert key in figures and figures[key] is None, key  # --raw not asked for
    assert figures["cli_help_s"] is None and figures["cli_incremental_wall_s"] is None
    for key in (
        "repeat",
        "cold_runs_s",
        "geotools_median_s",
        "ratio_median",
        "raw_median_s",
        "repeat_identical",
    ):
        assert key in figures and figures[key] is None, key  # --repeat not asked for
    assert figures["max_abs_diff_m2"] <= 1.0  # same numbers as the naive pipeline
    assert figures["agree"] is True
    # warm (this process and a new one) and incremental give the cold run's table
    assert res.stdout.count("identical: True") == 2
    assert "identical: False" not in res.stdout
    (dense,) = figures["densified"]
    assert 2.5 < dense["vertex_factor"] < 4.0 and dense["snapshots"] == 40
    assert figures["multiplied"]["snapshots"] == 80
    assert figures["multiplied"]["vertex_factor"] == 2.0


def test_benchmark_raw_smoke_times_the_raw_archive_and_the_command_line():
    data_path("deepstate_raw", "daily")
    res, figures = run_benchmark(
        "run.py", "--limit", "6", "--workers", "1", "--raw", "--repeat", "3"
    )
    assert figures["raw_snapshots"] == 6
    assert figures["raw_s"] > 0 and figures["cli_help_s"] > 0
    assert figures["cli_incremental_wall_s"] > 0
    per = figures["raw_per_snapshot_ms"] / figures["flattened_per_snapshot_ms"]
    assert abs(figures["raw_vs_flattened_per_snapshot"] - per) < 0.02
    # the naive raw pipeline (profile rules in pandas, overlays per class) gives the same m²
    assert figures["raw_naive_s"] > 0 and figures["raw_ratio"] > 0
    assert figures["raw_max_abs_diff_m2"] <= 1.0 and figures["raw_agree"] is True
    assert "5 classes, transitions" in res.stdout  # every class of the raw profile
    # --repeat 3: three more cold runs of each kind, interleaved, in new processes; medians
    assert figures["repeat"] == 3 and figures["repeat_identical"] is True
    flat, raw = figures["cold_runs_s"], figures["raw_cold_runs_s"]
    assert len(flat) == len(raw) == 3 and min(flat) > 0 and min(raw) > 0
    assert figures["geotools_median_s"] == sorted(flat)[1]
    assert figures["raw_median_s"] == sorted(raw)[1]
    per = (sorted(raw)[1] / 6) / (sorted(flat)[1] / 6)
    assert abs(figures["raw_vs_flattened_per_snapshot_median"] - per) < 0.02
    assert abs(figures["ratio_median"] - figures["naive_s"] / sorted(flat)[1]) < 0.02
    assert abs(figures["raw_ratio_median"] - figures["raw_naive_s"] / sorted(raw)[1]) < 0.02


def test_the_benchmarks_cache_copy_keeps_the_packs_hard_links(tmp_path, monkeypatch):
    """A cache copied by the benchmark (yesterday's, for the command line's +1 day) has its
    entries linked to their packs as the original has (shutil.copytree wrote each as a full
    copy of its pack: 2.2 GB for a 30 MB cache), and the same bytes under every name."""
    import importlib.util
    import os
    from pathlib import Path

    from geotools.series import series

    from .conftest import data_path

    files = sorted(data_path("deepstate", "daily").glob("*.geojson.gz"))[:12]
    monkeypatch.setenv("GEOTOOLS_CACHE", str(tmp_path / "cache"))
    series(files, period="day", workers=2)
    here = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"
    spec = importlib.util.spec_from_file_location("bench_run", here)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.copy_cache(tmp_path / "cache", tmp_path / "copy")

    def tree(root: Path) -> dict[str, tuple[bytes, int]]:
        return {
            str(p.relative_to(root)): (p.read_bytes(), p.stat().st_nlink)
            for p in root.rglob("*")
            if p.is_file()
        }

    def inodes(root: Path) -> set[int]:
        return {os.stat(p).st_ino for p in root.rglob("*") if p.is_file()}

    original, copied = tree(tmp_path / "cache"), tree(tmp_path / "copy")
    assert copied == original  # every name, its bytes and its link count
    assert any(links > 1 for _, links in original.values())  # packs were linked
    assert len(inodes(tmp_path / "copy")) == len(inodes(tmp_path / "cache"))
