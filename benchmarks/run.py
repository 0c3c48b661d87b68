"""Side-by-side benchmark: the naive geopandas pipeline against geotools, same data, one run.

    python benchmarks/run.py                 # the full DeepState archive (for humans)
    python benchmarks/run.py --limit 30      # a smoke run (CI)
    python benchmarks/run.py --densify 10    # also: how time grows with 10× vertices
    python benchmarks/run.py --dask          # also: the same cold run on a 2-worker Dask cluster

Job: the daily per-oblast gained/lost table of the archive. Prints each stage, then, as the
last line, one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from naive import naive_daily_by_region  # noqa: E402

from geotools.io import read_snapshots  # noqa: E402
from geotools.regions import RegionSpec  # noqa: E402
from geotools.series import series  # noqa: E402

DATA = Path(os.environ.get("GEOTOOLS_TEST_DATA", HERE.parents[1] / "shared" / "data"))


def peak_rss_mb() -> float:
    """Peak resident memory of this process and of its (worker) children, MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024.0


def run_geotools(
    files: list[Path], regions: Path, cache: Path, workers: int | None, **kw: object
) -> tuple[float, object]:
    os.environ["GEOTOOLS_CACHE"] = str(cache)
    t0 = time.perf_counter()
    result = series(
        files, period="day", regions=RegionSpec(regions), show_progress=False, workers=workers, **kw
    )
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


def compare(naive, table) -> float:
    """Largest |difference| in m² between the two tables, per pair and region."""
    ours = table[(table.region != "total") & (table.from_date != table.to_date)]
    ours = ours.set_index(["from_date", "to_date", "region"])
    worst = 0.0
    seen = set()
    for row in naive.itertuples(index=False):
        key = (row.from_date, row.to_date, row.region)
        seen.add(key)
        mine = ours.loc[key] if key in ours.index else None
        for kind in ("gained", "lost"):
            theirs = float(getattr(row, kind, 0.0))
            value = float(mine[f"{kind}_km2"]) * 1e6 if mine is not None else 0.0
            worst = max(worst, abs(value - theirs))
    # rows geotools has and the naive pipeline has not must be zero
    for key, row in ours.iterrows():
        if key not in seen:
            worst = max(worst, abs(row.gained_km2) * 1e6, abs(row.lost_km2) * 1e6)
    return worst


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
        doc = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {},
                    "geometry": json.loads(
                        shapely.to_geojson(
                            shapely.get_geometry(dense, 0)
                            if dense.geom_type == "GeometryCollection"
                            else dense
                        )
                    ),
                }
            ],
        }
        (folder / path.name).write_bytes(gzip.compress(json.dumps(doc).encode(), 1))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA / "deepstate" / "daily")
    parser.add_argument(
        "--regions", type=Path, default=DATA / "boundaries" / "geoBoundaries-UKR-ADM1.geojson.gz"
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N snapshots")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--densify",
        type=float,
        default=None,
        help="also time geotools on copies with this many times the vertices",
    )
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument(
        "--dask",
        action="store_true",
        help="also time the cold run on a 2-worker Dask LocalCluster (needs the [dask] extra)",
    )
    args = parser.parse_args()

    files = sorted(args.data.glob("*.geojson.gz"))[: args.limit]
    n = len(files)
    work = Path(tempfile.mkdtemp(prefix="geotools-bench-"))
    figures: dict[str, object] = {"snapshots": n}
    try:
        vertices = sum(
            int(shapely.get_num_coordinates(shapely.from_geojson(gzip.decompress(f.read_bytes()))))
            for f in files
        )
        figures["vertices"] = vertices

        cold_s, result = run_geotools(files, args.regions, work / "cache", args.workers)
        table = result.table
        print(
            f"geotools cold: {cold_s:.2f} s ({n / cold_s:.0f} snapshots/s, "
            f"{vertices / cold_s:,.0f} vertices/s)"
        )
        warm_s, again = run_geotools(files, args.regions, work / "cache", args.workers)
        same = again.table.equals(table)
        print(f"geotools warm (parsed + pair cache present): {warm_s:.2f} s; identical: {same}")

        run_geotools(files[:-1], args.regions, work / "cache-inc", args.workers)
        incremental_s, inc = run_geotools(files, args.regions, work / "cache-inc", args.workers)
        print(
            f"geotools incremental (+1 day on a processed archive): {incremental_s:.3f} s; "
            f"identical: {inc.table.equals(table)}"
        )
        figures.update(
            geotools_s=round(cold_s, 3),
            warm_s=round(warm_s, 3),
            incremental_s=round(incremental_s, 3),
            snapshots_per_s=round(n / cold_s, 1),
            vertices_per_s=round(vertices / cold_s),
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

        if not args.skip_naive:
            crs = read_snapshots(files[:1])[0].crs
            t0 = time.perf_counter()
            naive = naive_daily_by_region(files, args.regions, crs)
            naive_s = time.perf_counter() - t0
            worst = compare(naive, table)
            print(
                f"naive geopandas: {naive_s:.2f} s; geotools is {naive_s / cold_s:.1f}× faster "
                f"(cold), {naive_s / warm_s:.1f}× (warm); max |Δ| {worst:.3g} m²"
            )
            figures.update(
                naive_s=round(naive_s, 3),
                ratio=round(naive_s / cold_s, 2),
                ratio_warm=round(naive_s / warm_s, 2),
                max_abs_diff_m2=worst,
            )

        if args.densify:
            dense_dir = work / "dense"
            dense_vertices = densify(files, args.densify, dense_dir)
            dense_files = sorted(dense_dir.glob("*.geojson.gz"))
            dense_s, dense = run_geotools(
                dense_files, args.regions, work / "cache-dense", args.workers
            )
            growth = dense_s / cold_s
            print(
                f"densified {dense_vertices / vertices:.1f}× vertices: {dense_s:.2f} s cold "
                f"({growth:.2f}× the time)"
            )
            a = table.select_dtypes("number").to_numpy()
            b = dense.table.select_dtypes("number").to_numpy()
            figures.update(
                densify_factor=round(dense_vertices / vertices, 2),
                densified_s=round(dense_s, 3),
                densified_time_factor=round(growth, 2),
                densified_max_diff_km2=float(np.abs(a - b).max()),
            )
        figures["peak_rss_mb"] = round(peak_rss_mb(), 1)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
