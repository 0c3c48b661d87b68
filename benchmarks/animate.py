"""Benchmark of `geotools animate`: a year of Donetsk oblast, daily, at 1280×720.

    python benchmarks/animate.py                      # GIF and MP4, cold cache then warm
    python benchmarks/animate.py --formats gif --size 640x360

Each run is `python -m geotools animate …` in a fresh process. Memory, sampled every 50 ms
(psutil): the peak resident memory of the geotools process itself, and the peak of the sum of
the proportional set sizes (PSS: pages shared between processes counted once, split among
them) of it, its series workers (forked: they share most of their pages with it) and ffmpeg.
A sum of RSS would count the shared pages once per worker. Each file is read back
(imageio-ffmpeg) and its frame count checked. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import imageio_ffmpeg
import psutil

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("GEOTOOLS_TEST_DATA", HERE.parents[1] / "shared" / "data"))
START, END, DAYS = "2024-11-01", "2025-11-01", 365
FPS, HOLD = 6, 2.0


def run(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, peak RSS MB of the process, peak PSS MB of it and its children."""
    began = time.perf_counter()
    proc = subprocess.Popen(args, env=env)
    top = psutil.Process(proc.pid)
    own = tree = 0.0
    while proc.poll() is None:
        try:
            own = max(own, top.memory_info().rss / 2**20)
            procs = [top, *top.children(recursive=True)]
        except psutil.Error:
            procs = []
        total = 0.0
        for p in procs:  # one process ending between listing and reading drops only itself
            with contextlib.suppress(psutil.Error):
                total += p.memory_full_info().pss / 2**20
        tree = max(tree, total)
        time.sleep(0.05)
    if proc.returncode:
        sys.exit(f"failed: {' '.join(args)}")
    return time.perf_counter() - began, own, tree


def frames_in(path: Path) -> int:
    """Frames of a GIF / MP4 as ffmpeg decodes them."""
    return imageio_ffmpeg.count_frames_and_secs(str(path))[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--formats", default="gif,mp4")
    parser.add_argument("--size", default="1280x720")
    opts = parser.parse_args()
    figures: dict[str, object] = {"size": opts.size, "steps": DAYS}
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "GEOTOOLS_CACHE": str(Path(tmp) / "cache")}
        formats = opts.formats.split(",")
        # cold: a fresh cache (every snapshot parsed, every pair measured); warm: the same
        # again with the cache filled (what drawing and encoding cost)
        runs = [(formats[0], "cold"), *((fmt, "warm") for fmt in formats)]
        for fmt, temperature in runs:
            out = Path(tmp) / f"donetsk.{fmt}"
            args = [
                sys.executable, "-m", "geotools", "-q", "animate",
                str(DATA / "deepstate" / "daily"),
                "--by", str(DATA / "boundaries" / "geoBoundaries-UKR-ADM1.geojson.gz"),
                "--region", "UA-14", "--start", START, "--end", END, "--period", "day",
                "--size", opts.size, "--fps", str(FPS), "--hold-last", str(HOLD), "-o", str(out),
            ]  # fmt: skip
            seconds, own, tree = run(args, env)
            expected = DAYS + round(FPS * HOLD)
            got = frames_in(out)
            if got != expected:
                sys.exit(f"{out.name}: {got} frames, expected {expected}")
            size_mb = out.stat().st_size / 1e6
            print(
                f"{fmt} {temperature}: {seconds:.1f} s, peak RSS {own:.0f} MB "
                f"(with workers and ffmpeg: PSS {tree:.0f} MB), {got} frames, {size_mb:.2f} MB"
            )
            figures[f"{fmt}_{temperature}"] = {
                "seconds": round(seconds, 1),
                "peak_rss_mb": round(own),
                "peak_pss_tree_mb": round(tree),
                "frames": got,
                "file_mb": round(size_mb, 2),
            }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
