"""Side-by-side benchmark: the naive geopandas pipeline against geotools, same data, one run.

    python benchmarks/run.py                 # the full DeepState archive (for humans)
    python benchmarks/run.py --limit 30      # a smoke run (CI)
    python benchmarks/run.py --densify 10    # also: how time grows with 10× vertices
    python benchmarks/run.py --limit 100 --densify 10,100 --multiply 4 --skip-naive
                                             # scaling: 10× and 100× vertices, 4× snapshots
    python benchmarks/run.py --dask          # also: the same cold run on a 2-worker Dask cluster
    python benchmarks/run.py --raw           # also: the raw DeepState archive (every class,
                                             # transitions) and the command line's wall times
    python benchmarks/run.py --raw --repeat 5  # also: 5 more cold runs of each kind,
                                             # interleaved, new processes, and their medians

Job: the daily per-oblast gained/lost table of the archive. Prints each stage, then, as the
last line, one JSON object with the figures. Exits 1 when the two pipelines disagree by more
than 1 m² on any pair and region.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import logging
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import shapely

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from naive import naive_daily_by_region  # noqa: E402
from naive_raw import naive_raw_daily_by_region  # noqa: E402

from geotools.read import ReadOptions, read_snapshots  # noqa: E402
from geotools.regions import RegionSpec  # noqa: E402
from geotools.series import series  # noqa: E402

DATA = Path(os.environ.get("GEOTOOLS_TEST_DATA", HERE.parents[1] / "shared" / "data"))


def peak_rss_mb() -> tuple[float, float]:
    """Peak resident memory (MB) of this process, and of its largest child (workers,
    fresh-process runs) so far."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return own / 1024.0, kids / 1024.0


FRESH = """
import json, os, sys, time
from pathlib import Path
import pandas  # imported before the clock starts, as geotools itself is
from geotools.read import ReadOptions
from geotools.regions import RegionSpec
from geotools.series import series
files = [Path(line) for line in Path(sys.argv[1]).read_text().splitlines()]
workers = None if sys.argv[3] == "auto" else int(sys.argv[3])
raw = sys.argv[5:] == ["raw"]  # as run_raw: the deepstate-raw profile, with transitions
kw = dict(options=ReadOptions(profile="deepstate-raw"), transitions=True) if raw else {}
t0 = time.perf_counter()
result = series(files, period="day", regions=RegionSpec(Path(sys.argv[2])),
                show_progress=False, workers=workers, **kw)
result.table, result.transitions  # the DataFrames are the result (as the naive one's is)
elapsed = time.perf_counter() - t0
result.table.to_pickle(sys.argv[4])
print(json.dumps({"s": elapsed}))
"""


def run_fresh(
    files: list[Path],
    regions: Path,
    cache: Path,
    workers: int | None,
    work: Path,
    raw: bool = False,
) -> tuple[float, object]:
    """``series`` timed in a new Python process (as a daily update runs), until its DataFrames
    are made: nothing memoised in this one (file digests, region layer, CRS) helps it; the
    time excludes the imports (pandas' too). ``raw``: as run_raw (the deepstate-raw profile,
    with transitions)."""
    import pandas as pd

    listing, table = work / "files.txt", work / "table.pkl"
    listing.write_text("\n".join(str(f) for f in files))
    env = {**os.environ, "GEOTOOLS_CACHE": str(cache)}
    args = [str(listing), str(regions), "auto" if workers is None else str(workers), str(table)]
    args += ["raw"] if raw else []
    settled_disk()
    out = subprocess.run(
        [sys.executable, "-c", FRESH, *args], env=env, capture_output=True, text=True, check=True
    )
    return float(json.loads(out.stdout.strip().splitlines()[-1])["s"]), pd.read_pickle(table)


def run_geotools(
    files: list[Path], regions: Path, cache: Path, workers: int | None, **kw: object
) -> tuple[float, object]:
    os.environ["GEOTOOLS_CACHE"] = str(cache)
    settled_disk()
    t0 = time.perf_counter()
    result = series(
        files, period="day", regions=RegionSpec(regions), show_progress=False, workers=workers, **kw
    )
    # the result is the DataFrames, as the naive pipeline's is: they are made on first use,
    # so the clock runs until they are (before 2026-12-07 it stopped without them)
    result.table, result.transitions  # noqa: B018
    return time.perf_counter() - t0, result


def run_dask(
    files: list[Path], regions: Path, cache: Path, workers: int
) -> tuple[float, float, object]:
    """Cold run on a Dask LocalCluster of ``workers`` single-threaded processes: the cluster's
    start-up time, then the run's (the client connects to it by address, as to a remote one)."""
    from distributed import LocalCluster

    t0 = time.perf_counter()
    with LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address="127.0.0.1:0",
        silence_logs=logging.WARNING,
    ) as cluster:
        startup_s = time.perf_counter() - t0
        run_s, result = run_geotools(files, regions, cache, None, address=cluster.scheduler_address)
    return startup_s, run_s, result


def compare(
    naive, table, keys: tuple[str, ...] = ("from_date", "to_date", "region")
) -> tuple[float, str]:
    """Largest |difference| in m² between the two tables, per pair and region (and whatever
    else ``keys`` names, e.g. the status class), and where."""
    ours = table[(table.region != "total") & (table.from_date != table.to_date)]
    ours = ours.set_index(list(keys))
    worst, where = 0.0, "-"
    seen = set()

    def note(value: float, key: tuple[object, ...], kind: str) -> None:
        nonlocal worst, where
        if value > worst:
            worst, where = value, f"{key[0]}→{key[1]} {' '.join(map(str, key[2:]))} {kind}"

    for row in naive.itertuples(index=False):
        key = tuple(getattr(row, k) for k in keys)
        seen.add(key)
        mine = ours.loc[key] if key in ours.index else None
        for kind in ("gained", "lost"):
            theirs = float(getattr(row, kind, 0.0))
            value = float(mine[f"{kind}_km2"]) * 1e6 if mine is not None else 0.0
            note(abs(value - theirs), key, kind)
    # rows geotools has and the naive pipeline has not must be zero
    for key, row in ours.iterrows():
        if key not in seen:
            note(abs(row.gained_km2) * 1e6, key, "gained")
            note(abs(row.lost_km2) * 1e6, key, "lost")
    return worst, where


def _feature_collection(geom: shapely.Geometry, properties: dict[str, object]) -> bytes:
    parts = shapely.get_parts(geom) if geom.geom_type == "GeometryCollection" else [geom]
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": properties,
                "geometry": json.loads(shapely.to_geojson(p)),
            }
            for p in parts
        ],
    }
    return gzip.compress(json.dumps(doc).encode(), 1)


def densify(files: list[Path], factor: float, folder: Path) -> int:
    """Write copies of ``files`` with about ``factor`` × the vertices; returns vertices written.

    One maximum segment length for all files (from the first), so an edge two days share is
    split at the same points on both days, as a denser source would draw it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    first = shapely.from_geojson(gzip.decompress(files[0].read_bytes()))
    rings = shapely.get_rings(shapely.get_parts(shapely.get_parts(first)))
    step = float(shapely.length(rings).sum()) / (factor * shapely.get_num_coordinates(first))
    for path in files:
        geom = shapely.from_geojson(gzip.decompress(path.read_bytes()))
        dense = shapely.segmentize(geom, step)
        total += int(shapely.get_num_coordinates(dense))
        (folder / path.name).write_bytes(_feature_collection(dense, {}))
    return total


def multiply(files: list[Path], copies: int, folder: Path) -> list[Path]:
    """``copies`` back-to-back copies of the series, each dated before the next one (the last
    is the original dates: no future dates); every
    copy's files carry a ``copy`` property, so no file's bytes (nor its cache key) repeat.
    Each junction is one large pair: the last snapshot back to the first."""
    folder.mkdir(parents=True, exist_ok=True)
    dates = [dt.datetime.strptime(f.name[:8], "%Y%m%d").date() for f in files]
    span = (dates[-1] - dates[0]).days + 1
    out = []
    for k in range(copies):
        shift = dt.timedelta(days=(copies - 1 - k) * span)
        for path, day in zip(files, dates, strict=True):
            geom = shapely.from_geojson(gzip.decompress(path.read_bytes()))
            name = (day - shift).strftime("%Y%m%d") + ".geojson.gz"
            (folder / name).write_bytes(_feature_collection(geom, {"copy": k}))
            out.append(folder / name)
    return out


def scaling(
    label: str,
    files: list[Path],
    base_s: float,
    base_vertices: int,
    regions: Path,
    work: Path,
    workers: int | None,
) -> dict[str, object]:
    """Cold geotools on ``files`` (densified or multiplied), against the base run's time."""
    t_s, result = run_geotools(files, regions, work / f"cache-{label}", workers)
    vertices = count_vertices(files)
    changed = int(result.table.loc[result.table.region == "total", "gained_km2"].gt(0).sum())
    growth = t_s / base_s
    print(
        f"{label}: {len(files)} snapshots, {vertices / base_vertices:.1f}× the vertices: "
        f"{t_s:.2f} s cold ({growth:.2f}× the time); {changed} periods with gains"
    )
    return {
        "snapshots": len(files),
        "vertex_factor": round(vertices / base_vertices, 2),
        "s": round(t_s, 3),
        "time_factor": round(growth, 2),
    }


def count_vertices(files: list[Path]) -> int:
    """Vertices in the files (GeoJSON, gzipped)."""
    return sum(
        int(shapely.get_num_coordinates(shapely.from_geojson(gzip.decompress(f.read_bytes()))))
        for f in files
    )


def run_raw(
    files: list[Path], regions: Path, cache: Path, workers: int | None
) -> tuple[float, object]:
    """geotools cold on raw DeepState snapshots: every class of the deepstate-raw profile,
    daily, per oblast, with transitions (empty cache, as the flattened cold run)."""
    return run_geotools(
        files,
        regions,
        cache,
        workers,
        options=ReadOptions(profile="deepstate-raw"),
        transitions=True,
    )


def cold_repeats(
    files: list[Path],
    raw_files: list[Path],
    regions: Path,
    workers: int | None,
    work: Path,
    runs: int,
    tables: tuple[object, object | None],
) -> tuple[list[float], list[float], bool]:
    """``runs`` more cold runs, interleaved: the flattened archive, then (with ``raw_files``)
    the raw one, each in a new process on an empty cache of its own (as the first cold run:
    nothing of this process memoised; the time excludes the imports). The host's drift
    between the single cold runs of the two kinds (±15 % within minutes here) is then shared
    by both, and their medians say more than one run of each. Returns the times of each kind
    and whether every table equals its first cold run's."""
    flat_s: list[float] = []
    raw_s: list[float] = []
    kinds = [(files, flat_s, tables[0], False)]
    if raw_files:
        kinds.append((raw_files, raw_s, tables[1], True))
    same = True
    for k in range(runs):
        for kind_files, times, table, raw in kinds:
            cache = work / f"cache-repeat-{k}{'-raw' if raw else ''}"
            took, again = run_fresh(kind_files, regions, cache, workers, work, raw=raw)
            times.append(took)
            same = same and bool(again.equals(table))  # type: ignore[attr-defined]
            shutil.rmtree(cache, ignore_errors=True)
    return flat_s, raw_s, same


def copy_cache(src: Path, dst: Path) -> None:
    """A copy of a cache folder that keeps its hard links: each cache entry is a name linked
    to its chunk's pack (geotools/cache_packs.py), and ``shutil.copytree`` wrote every name
    as a full copy of its pack (2.2 GB of writes for a 30 MB cache: their writeback slowed
    the runs timed after it)."""
    seen: dict[tuple[int, int], Path] = {}
    for folder, _, names in os.walk(src):
        here = dst / Path(folder).relative_to(src)
        here.mkdir(parents=True, exist_ok=True)
        for name in names:
            source = Path(folder) / name
            st = source.stat()
            first = seen.get((st.st_dev, st.st_ino))
            if first is not None:
                os.link(first, here / name)
            else:
                shutil.copy2(source, here / name)
                seen[(st.st_dev, st.st_ino)] = here / name


def settled_disk() -> None:
    """Write what earlier steps left in the page cache before a timed run starts (its own
    writes still count): the benchmark's cold runs and cache copies leave hundreds of MB
    dirty, and the kernel writes them back while the next step runs."""
    os.sync()


def cli_wall(args: list[str], env: dict[str, str], runs: int, before: object = None) -> float:
    """Least wall time of ``runs`` runs of ``python -m geotools ARGS`` in a new process each,
    start-up included (the least is the one the machine's other load disturbed least);
    ``before`` (a function) runs untimed before each."""
    best = float("inf")
    for _ in range(runs):
        if callable(before):
            before()
        settled_disk()
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "geotools", *args],
            env=env,
            capture_output=True,
            check=True,
            cwd=HERE.parent,
        )
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA / "deepstate" / "daily")
    parser.add_argument(
        "--regions", type=Path, default=DATA / "boundaries" / "geoBoundaries-UKR-ADM1.geojson.gz"
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N snapshots")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--densify",
        default=None,
        help="also time geotools on copies with this many times the vertices (e.g. 10 or 10,100)",
    )
    parser.add_argument(
        "--multiply",
        type=int,
        default=None,
        help="also time geotools on this many back-to-back copies of the snapshots",
    )
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument(
        "--dask",
        action="store_true",
        help="also time the cold run on a 2-worker Dask LocalCluster (needs the [dask] extra)",
    )
    parser.add_argument(
        "--raw",
        action="store_true",
        help="also time geotools on the raw DeepState snapshots (every class, transitions; "
        "as many as the flattened ones) and the command line in new processes",
    )
    parser.add_argument(
        "--raw-data", type=Path, default=DATA / "deepstate_raw" / "daily", help="with --raw"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=0,
        help="also N more cold runs of each kind (flattened; raw with --raw), interleaved, each "
        "in a new process, and their medians (the single-run figures are kept as they are)",
    )
    args = parser.parse_args()

    files = sorted(args.data.glob("*.geojson.gz"))[: args.limit]
    n = len(files)
    work = Path(tempfile.mkdtemp(prefix="geotools-bench-"))
    figures: dict[str, object] = {"snapshots": n}
    # always present, null when not run
    figures.update(naive_s=None, ratio=None, max_abs_diff_m2=None)
    # --raw (raw_naive_s and raw_ratio also need the naive pipelines: no --skip-naive)
    figures.update(
        raw_s=None,
        raw_naive_s=None,
        raw_ratio=None,
        raw_max_abs_diff_m2=None,
        raw_vs_flattened_per_snapshot=None,
        cli_help_s=None,
        cli_incremental_wall_s=None,
    )
    # --repeat N (medians of N more cold runs, interleaved with the raw ones under --raw)
    figures.update(
        repeat=args.repeat or None,
        cold_runs_s=None,
        raw_cold_runs_s=None,
        geotools_median_s=None,
        raw_median_s=None,
        ratio_median=None,
        raw_ratio_median=None,
        raw_vs_flattened_per_snapshot_median=None,
        repeat_identical=None,
    )
    status = 0
    try:
        vertices = count_vertices(files)
        figures["vertices"] = vertices

        cold_s, result = run_geotools(files, args.regions, work / "cache", args.workers)
        table = result.table
        print(
            f"geotools cold: {cold_s:.2f} s ({n / cold_s:.0f} snapshots/s, "
            f"{vertices / cold_s:,.0f} vertices/s)"
        )
        warm_in_s, again = run_geotools(files, args.regions, work / "cache", args.workers)
        warm_s, warm_table = run_fresh(files, args.regions, work / "cache", args.workers, work)
        same = again.table.equals(table) and warm_table.equals(table)
        print(
            f"geotools warm (parsed + pair cache present): {warm_s:.2f} s in a new process "
            f"({warm_in_s:.2f} s in this one); identical: {same}"
        )

        # yesterday's run, in a process of its own as it would be (this process's memoised
        # region layer would leave it out of that cache)
        run_fresh(files[:-1], args.regions, work / "cache-inc", args.workers, work)
        if args.raw:  # yesterday's cache, for the command line's own +1 day below
            copy_cache(work / "cache-inc", work / "cache-yesterday")
        incremental_s, inc_table = run_fresh(
            files, args.regions, work / "cache-inc", args.workers, work
        )
        print(
            f"geotools incremental (+1 day on a processed archive, new process): "
            f"{incremental_s:.3f} s; identical: {inc_table.equals(table)}"
        )
        own_mb, child_mb = peak_rss_mb()
        workers = args.workers or os.cpu_count() or 1
        figures.update(
            geotools_s=round(cold_s, 3),
            warm_s=round(warm_s, 3),
            warm_same_process_s=round(warm_in_s, 3),
            incremental_s=round(incremental_s, 3),
            snapshots_per_s=round(n / cold_s, 1),
            vertices_per_s=round(vertices / cold_s),
            # an upper bound: this process plus every worker at the largest child's peak
            peak_rss_mb=round(own_mb + workers * child_mb, 1),
        )
        print(
            f"peak RSS: this process {own_mb:.0f} MB, largest child {child_mb:.0f} MB; "
            f"bound for this process + {workers} workers {figures['peak_rss_mb']} MB"
        )

        if args.dask:
            logging.getLogger("distributed").setLevel(logging.WARNING)  # not its INFO lines
            startup_s, dask_s, on_dask = run_dask(files, args.regions, work / "cache-dask", 2)
            same = on_dask.table.equals(table)
            print(
                f"geotools cold on a 2-worker Dask LocalCluster: {dask_s:.2f} s "
                f"(+ {startup_s:.2f} s to start the cluster); local: {cold_s:.2f} s; "
                f"identical: {same}"
            )
            figures.update(
                dask_s=round(dask_s, 3),
                dask_startup_s=round(startup_s, 3),
                dask_identical=same,
            )

        raw_files: list[Path] = []
        raw_table = None
        raw_naive_s: float | None = None
        flat_median: float | None = None
        if args.raw:
            raw_files = sorted(args.raw_data.glob("*.geojson.gz"))[: args.limit]
            raw_s, raw_result = run_raw(raw_files, args.regions, work / "cache-raw", args.workers)
            raw_table = raw_result.table
            per_raw, per_flat = raw_s / len(raw_files), cold_s / n
            classes = sorted(set(raw_result.table.status))
            print(
                f"geotools cold, raw DeepState ({len(raw_files)} snapshots, {len(classes)} "
                f"classes, transitions): {raw_s:.2f} s; {per_raw * 1000:.1f} ms a snapshot, "
                f"{per_raw / per_flat:.3f}× the flattened {per_flat * 1000:.2f} ms"
            )
            env = {**os.environ, "GEOTOOLS_CACHE": str(work / "cache-cli")}
            # as installed: with bytecode (the first run writes it; the least run is timed)
            env.pop("PYTHONDONTWRITEBYTECODE", None)

            def yesterday() -> None:
                shutil.rmtree(work / "cache-cli", ignore_errors=True)
                copy_cache(work / "cache-yesterday", work / "cache-cli")

            help_s = cli_wall(["--help"], env, 10)
            series_args = ["series", *map(str, files), "--period", "day", "--by"]
            series_args += [str(args.regions), "-o", str(work / "cli.csv")]
            incremental_wall_s = cli_wall(series_args, env, 5, before=yesterday)
            print(
                f"command line, new process, start-up included (least of several runs): "
                f"geotools --help {help_s:.3f} s; +1 day on a processed archive "
                f"{incremental_wall_s:.3f} s"
            )
            figures.update(
                raw_snapshots=len(raw_files),
                raw_s=round(raw_s, 3),
                raw_per_snapshot_ms=round(per_raw * 1000, 2),
                flattened_per_snapshot_ms=round(per_flat * 1000, 2),
                raw_vs_flattened_per_snapshot=round(per_raw / per_flat, 3),  # 3: 4.0035 is not 4.0
                cli_help_s=round(help_s, 3),
                cli_incremental_wall_s=round(incremental_wall_s, 3),
            )
            if not args.skip_naive:
                raw_opts = ReadOptions(profile="deepstate-raw")
                crs = read_snapshots(raw_files[:1], options=raw_opts)[0].crs
                settled_disk()
                t0 = time.perf_counter()
                naive_raw = naive_raw_daily_by_region(raw_files, args.regions, crs)
                raw_naive_s = time.perf_counter() - t0
                keys = ("from_date", "to_date", "region", "status")
                worst, where = compare(naive_raw, raw_result.table, keys)
                agree = worst <= 1.0
                print(
                    f"naive geopandas, raw DeepState (every class, no transitions): "
                    f"{raw_naive_s:.2f} s; geotools is {raw_naive_s / raw_s:.1f}× faster (cold, "
                    f"with transitions); max |Δ| {worst:.3g} m² at {where}; agree (≤ 1 m²): {agree}"
                )
                figures.update(
                    raw_naive_s=round(raw_naive_s, 3),
                    raw_ratio=round(raw_naive_s / raw_s, 2),
                    raw_max_abs_diff_m2=worst,
                    raw_agree=agree,
                )
                if not agree:
                    status = 1

        if args.repeat > 0:
            flat_runs, raw_runs, same = cold_repeats(
                files, raw_files, args.regions, args.workers, work, args.repeat, (table, raw_table)
            )
            flat_median = statistics.median(flat_runs)
            figures.update(
                cold_runs_s=[round(x, 3) for x in flat_runs],
                geotools_median_s=round(flat_median, 3),
                repeat_identical=same,
            )
            line = ", ".join(f"{x:.2f}" for x in flat_runs)
            print(
                f"geotools cold, {args.repeat} more runs (new processes, interleaved): "
                f"flattened {line} s, median {flat_median:.2f} s; identical: {same}"
            )
            if raw_runs:
                raw_median = statistics.median(raw_runs)
                per = (raw_median / len(raw_files)) / (flat_median / n)
                figures.update(
                    raw_cold_runs_s=[round(x, 3) for x in raw_runs],
                    raw_median_s=round(raw_median, 3),
                    raw_vs_flattened_per_snapshot_median=round(per, 3),
                )
                line = ", ".join(f"{x:.2f}" for x in raw_runs)
                print(
                    f"  raw {line} s, median {raw_median:.2f} s; a raw snapshot {per:.3f}× "
                    "a flattened one (medians)"
                )
                if raw_naive_s is not None:
                    figures["raw_ratio_median"] = round(raw_naive_s / raw_median, 2)

        if not args.skip_naive:
            crs = read_snapshots(files[:1])[0].crs
            own_before, _ = peak_rss_mb()
            settled_disk()
            t0 = time.perf_counter()
            naive = naive_daily_by_region(files, args.regions, crs)
            naive_s = time.perf_counter() - t0
            worst, where = compare(naive, table)
            agree = worst <= 1.0
            print(
                f"naive geopandas: {naive_s:.2f} s; geotools is {naive_s / cold_s:.1f}× faster "
                f"(cold), {naive_s / warm_s:.1f}× (warm); max |Δ| {worst:.3g} m² at {where}; "
                f"agree (≤ 1 m²): {agree}"
            )
            own_after, _ = peak_rss_mb()
            figures.update(
                naive_s=round(naive_s, 3),
                ratio=round(naive_s / cold_s, 2),
                ratio_warm=round(naive_s / warm_s, 2),
                max_abs_diff_m2=worst,
                agree=agree,
                naive_peak_rss_mb=round(own_after, 1) if own_after > own_before else None,
            )
            if flat_median is not None:
                figures["ratio_median"] = round(naive_s / flat_median, 2)
            if not agree:
                status = 1

        if args.densify or args.multiply:
            # the base for scaling: cold cache again, with this process's start-up (region
            # layer, imports) behind it as it is for the scaled runs
            base_s, _ = run_geotools(files, args.regions, work / "cache-base", args.workers)
            print(f"geotools cold again (base for scaling): {base_s:.2f} s")
            figures["scaling_base_s"] = round(base_s, 3)
        if args.densify:
            runs = []
            for factor in (float(x) for x in str(args.densify).split(",")):
                dense_dir = work / f"dense-{factor:g}"
                densify(files, factor, dense_dir)
                dense_files = sorted(dense_dir.glob("*.geojson.gz"))
                runs.append(
                    scaling(
                        f"densified {factor:g}×",
                        dense_files,
                        base_s,
                        vertices,
                        args.regions,
                        work,
                        args.workers,
                    )
                )
                shutil.rmtree(dense_dir, ignore_errors=True)
            figures["densified"] = runs
        if args.multiply:
            many = multiply(files, args.multiply, work / "many")
            figures["multiplied"] = scaling(
                f"multiplied {args.multiply}×",
                many,
                base_s,
                vertices,
                args.regions,
                work,
                args.workers,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures))
    return status


if __name__ == "__main__":
    sys.exit(main())
