"""Benchmark of the whole-archive daily timeline map (issue 18 point 12).

    python benchmarks/timeline.py                 # the whole DeepState archive (769 steps)
    python benchmarks/timeline.py --limit 20      # the first 20 days: a smoke run
    python benchmarks/timeline.py --cold          # on an empty cache (every file parsed)

Builds `geotools map DAILY --timeline --period day --by OBLASTS -o FILE` in a new process
(wall time: the generation time), then reports the file's size and what its bytes are (the
control areas' track, the changes, per-step figures, the line of contact, the page's inlined
scripts), the control track's size for other keyframe intervals, and in headless Chromium
(driven as tests/test_browser.py drives it): the first render (navigation start to the first
frame after the load event, the first step drawn), and the step change, p50 / p95 / max, of
random jumps on a fresh page (each step built on first use), of stepping forward through
every step back to back, and of play at its quickest speed (0.1 s a step: the next step is
built while the page waits), measured two ways: the script's own time with the layout it forces
(``script``) and until the next frame is painted (``frame``). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.get("GEOTOOLS_TEST_DATA", ROOT.parent / "shared" / "data"))

from geotools.render.encode import decode_track, encode_track  # noqa: E402

#: Step change, in the page: ``script`` until show() returns with its layout forced, ``frame``
#: until the frame holding the change is painted (a message posted from its animation frame
#: callback runs after the paint).
STEP_JS = """async ([order, pace]) => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => {
    const c = new MessageChannel(); c.port1.onmessage = r; c.port2.postMessage(0);
  }));
  const script = [], painted = [];
  await frame();
  for (const i of order) {
    const t0 = performance.now();
    window.geotoolsStep(i);
    void document.body.offsetHeight;
    const t1 = performance.now();
    await frame();
    script.push(t1 - t0); painted.push(performance.now() - t0);
    const rest = pace - (performance.now() - t0);
    if (pace) { await new Promise((r) => setTimeout(r, Math.max(0, rest))); }
  }
  return [script, painted];
}"""
FIRST_JS = """async () => {
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const nav = performance.getEntriesByType("navigation")[0];
  return [performance.now(), nav.domContentLoadedEventEnd, nav.loadEventEnd];
}"""


def payload_of(html: str) -> dict:
    """The data the map script draws, read back from the page (its small parts an object
    literal, the bulky ones ``"key":JSON.parse("…")``: geotools.render.encode.script_payload)."""
    at = html.rindex("geotoolsMap(")
    start = html.index('{"title":', at)
    decoder = json.JSONDecoder()
    parsed = list(re.finditer(r',"(\w+)":JSON\.parse\(', html[start:]))
    if not parsed:
        value, _ = decoder.raw_decode(html[start:])
        return value
    value = json.loads(html[start : start + parsed[0].start()] + "}")
    for m in parsed:  # a single-quoted string, with \\ and \' its only escapes
        begin = end = start + m.end() + 1
        while True:
            end = html.index("'", end)
            k = end
            while html[k - 1] == "\\":
                k -= 1
            if (end - k) % 2 == 0:
                break
            end += 1
        value[m.group(1)] = json.loads(re.sub(r"\\(.)", r"\1", html[begin:end]))
    return value


def size(value: object) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def breakdown(html: str, payload: dict) -> dict[str, float]:
    """MB of each part of the page."""
    steps = payload["steps"]
    parts = {
        "control_track": size(payload.get("control_track")),
        "front_track": size(payload.get("front")),
        "steps_changes": sum(size(s["changes"]) for s in steps),
        "steps_figures": sum(size(s) - size(s["changes"]) for s in steps),
        "regions": size(payload.get("regions")),
        "outline": size(payload.get("outline")),
    }
    parts["page_and_scripts"] = len(html.encode()) - sum(parts.values())
    return {k: round(v / 1e6, 3) for k, v in parts.items()}


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {"p50": at(0.5), "p95": at(0.95), "max": round(ordered[-1], 1), "n": len(ordered)}


def browser_figures(path: Path, jumps: int, loads: int) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    from tests.test_browser import ARGS, CHROMIUM

    out: dict[str, object] = {}
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        firsts = []
        for _ in range(loads):
            page = b.new_page(viewport={"width": 1440, "height": 900})
            requests: list[str] = []
            page.on("request", lambda r, req=requests: req.append(r.url))
            page.goto(path.as_uri(), wait_until="load")
            firsts.append(page.evaluate(FIRST_JS))
            if [u for u in requests if u != path.as_uri()]:
                sys.exit(f"the page asked for more than itself: {requests[:3]}")
            count = int(page.evaluate("document.querySelector('.gt-slider').max")) + 1
            if len(firsts) == 1:
                rng = random.Random(18)
                order = [rng.randrange(count) for _ in range(jumps)]
                script, painted = page.evaluate(STEP_JS, [order, 0])
                out["jump_script_ms"] = percentiles(script)
                out["jump_frame_ms"] = percentiles(painted)
            elif len(firsts) == 2:
                script, painted = page.evaluate(STEP_JS, [[*range(1, count), 0], 0])
                out["forward_script_ms"] = percentiles(script)
                out["forward_frame_ms"] = percentiles(painted)
            elif len(firsts) == 3:  # play at its quickest speed, 0.1 s a step
                play = list(range(count // 2, min(count, count // 2 + 150)))
                script, painted = page.evaluate(STEP_JS, [play, 100])
                out["play_script_ms"] = percentiles(script)
                out["play_frame_ms"] = percentiles(painted)
                out["js_heap_mb"] = round(
                    page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : 0")
                    / 1e6,
                    1,
                )
            page.close()
        b.close()
    out["first_render_ms"] = [round(f[0]) for f in firsts]
    out["dom_content_loaded_ms"] = [round(f[1]) for f in firsts]
    out["steps"] = count
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA / "deepstate" / "daily")
    parser.add_argument(
        "--by", type=Path, default=DATA / "boundaries" / "geoBoundaries-UKR-ADM1.geojson.gz"
    )
    parser.add_argument("--limit", type=int, help="only the first N days of the archive")
    parser.add_argument("--cold", action="store_true", help="an empty cache (GEOTOOLS_CACHE)")
    parser.add_argument("--jumps", type=int, default=200, help="random step changes measured")
    parser.add_argument("--loads", type=int, default=3, help="page loads (first renders)")
    parser.add_argument("-o", "--output", type=Path, help="keep the map here")
    parser.add_argument("--map", type=Path, help="measure this map instead of building one")
    args = parser.parse_args()

    files = sorted(p.name for p in args.data.iterdir() if p.name.endswith(".geojson.gz"))
    with tempfile.TemporaryDirectory() as tmp:
        out = args.output or Path(tmp) / "timeline.html"
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        if args.cold:
            env["GEOTOOLS_CACHE"] = str(Path(tmp) / "cache")
        cmd = [sys.executable, "-m", "geotools", "-q", "map", str(args.data), "--timeline"]
        cmd += ["--period", "day", "--by", str(args.by), "-o", str(out)]
        if args.limit:  # the first N days: --end at the day after them
            day = files[args.limit]
            cmd += ["--end", f"{day[:4]}-{day[4:6]}-{day[6:8]}"]
        generation = None
        if args.map:
            out = args.map
        else:
            began = time.perf_counter()
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
            generation = round(time.perf_counter() - began, 1)
            if proc.returncode:
                sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
        html = out.read_text(encoding="utf-8")
        payload = payload_of(html)
        track = payload["control_track"]
        decoded = decode_track(track)
        keyframes = {}
        for every in (1, 10, 25, 50, 100, len(decoded)):
            enc = encode_track([v for _, v in decoded], [s for s, _ in decoded], every)
            keyframes[str(every)] = round(size(enc) / 1e6, 3)
        figures: dict[str, object] = {
            "command": None if args.map else " ".join(["geotools", *cmd[4:]]),
            "steps": len(payload["steps"]),
            "size_mb": round(out.stat().st_size / 1e6, 3),
            "generation_s": generation,
            "bytes_mb": breakdown(html, payload),
            "control_track_mb_by_keyframe_every": keyframes,
            "keyframe_every": track["every"],
        }
        print(json.dumps(figures, indent=1), flush=True)
        load = os.getloadavg()[0]
        figures.update(browser_figures(out, args.jumps, args.loads))
        # the machine's load (1-minute average) before and after the browser runs: timings
        # on a shared machine are only as good as its quiet
        figures["load_average"] = [round(load, 1), round(os.getloadavg()[0], 1)]
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
