"""Time `geotools.place_changes` for the whole archive, daily, against the series' own time.

Each run is a new Python process with an empty cache of its own (cold; the time is measured
after the imports): the daily series (`series(..., period="day")`, what `geotools series`
does), then the daily places table (`place_changes(..., period="day")`: the series with the
change polygons kept, plus the places' work), then both again in new processes on the warm
cache. The last line is one JSON object.

    python benchmarks/places.py [--data DIR] [--workers 2] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("GEOTOOLS_TEST_DATA", REPO.parent / "shared" / "data"))

CODE = """
import json, sys, time
import geotools
files = sorted(str(p) for p in __import__("pathlib").Path(sys.argv[2]).glob("*.geojson*"))
if sys.argv[4] != "0":
    files = files[: int(sys.argv[4])]
workers = int(sys.argv[3])
pc = sys.modules["geotools.place_changes"]  # (the package re-exports a function of that name)
inner = []
def timed_series(*args, **kwargs):  # the series run inside place_changes, timed apart
    t = time.perf_counter()
    out = geotools.series(*args, **kwargs)
    inner.append(time.perf_counter() - t)
    return out
pc.series = timed_series
began = time.perf_counter()
if sys.argv[1] == "series":
    n = len(geotools.series(files, period="day", workers=workers, show_progress=False).table)
else:
    n = len(pc.place_changes(files, period="day", workers=workers, show_progress=False))
total = time.perf_counter() - began
print(json.dumps({"seconds": total, "rows": n, "own": total - sum(inner)}))
"""


def run(kind: str, data: Path, workers: int, limit: int, cache: str) -> dict[str, float]:
    """One timed run in a new process on the cache folder ``cache``."""
    env = {**os.environ, "GEOTOOLS_CACHE": cache, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", CODE, kind, str(data), str(workers), str(limit)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA / "deepstate" / "daily")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="only the first N snapshots")
    args = parser.parse_args()
    figures: dict[str, float] = {}
    for kind in ("series", "places"):
        with tempfile.TemporaryDirectory(prefix="geotools-bench-") as cache:
            cold = run(kind, args.data, args.workers, args.limit, cache)
            warm = run(kind, args.data, args.workers, args.limit, cache)
        figures[f"{kind}_cold_s"] = round(cold["seconds"], 2)
        figures[f"{kind}_warm_s"] = round(warm["seconds"], 2)
        figures[f"{kind}_rows"] = cold["rows"]
        if kind == "places":  # the places' own work: all but the series run inside
            figures["places_own_cold_s"] = round(cold["own"], 2)
            figures["places_own_warm_s"] = round(warm["own"], 2)
        print(f"{kind}: cold {cold['seconds']:.2f} s, warm {warm['seconds']:.2f} s, "
              f"{int(cold['rows'])} rows")  # fmt: skip
    figures["places_beyond_series_cold_s"] = round(
        figures["places_cold_s"] - figures["series_cold_s"], 2
    )
    figures["places_beyond_series_warm_s"] = round(
        figures["places_warm_s"] - figures["series_warm_s"], 2
    )
    print(
        f"places beyond the series: {figures['places_beyond_series_cold_s']:.2f} s cold, "
        f"{figures['places_beyond_series_warm_s']:.2f} s warm (end to end); the places' own "
        f"work (all but the series inside): {figures['places_own_cold_s']:.2f} s cold, "
        f"{figures['places_own_warm_s']:.2f} s warm"
    )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
