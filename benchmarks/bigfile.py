"""A big snapshot file for the "Big inputs" figures: many small polygons, some overlapping,
with a ``status`` property, as one GeoJSON FeatureCollection.

    python benchmarks/bigfile.py --features 1000000            # writes to a temporary folder
    python benchmarks/bigfile.py --features 100000 --out /tmp/big.geojson
    /usr/bin/time -v python -m geotools info "$(python benchmarks/bigfile.py --features 100000)"

Prints the path of the file written (and nothing else on stdout). The same ``--seed`` writes
the same bytes. The polygons are 4- to 7-sided, about 0.5 to 1.5 km across at 100,000
features (smaller as there are more, so that the share of ground covered stays the same),
scattered over eastern Ukraine in clusters, so that many overlap a neighbour (and, their
corners drawn at random angles, about 2 % cross themselves, which the cleaning repairs); the
statuses are ``occupied`` (60 %), ``contested`` (30 %) and ``liberated`` (10 %). With
``--repeat K`` the features are copies of K hexagons instead (a file that grows while its
territory does not). The file is named ``20240801.geojson`` so that its date comes from its
name.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

STATUSES = ("occupied", "contested", "liberated")
CHUNK = 50_000  # features built and written at a time: the generator's memory stays small


def write_big(path: Path, features: int, seed: int = 20240801) -> Path:
    """Write ``features`` random small polygons with a status to ``path`` (GeoJSON)."""
    rng = np.random.default_rng(seed)
    # cluster centres: the polygons of one cluster crowd together and overlap now and then
    n_clusters = max(1, features // 40)
    centres = np.column_stack(
        [rng.uniform(33.0, 40.0, n_clusters), rng.uniform(46.0, 50.5, n_clusters)]
    )
    # polygon size shrinks as their number grows: the share of ground covered, and of
    # polygons that overlap, stays about the same (~0.2–0.5 km across at a million)
    scale = 0.008 * (100_000 / max(features, 1)) ** 0.5  # degrees
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="ascii") as out:
        out.write('{"type": "FeatureCollection", "features": [\n')
        first = True
        for start in range(0, features, CHUNK):
            n = min(CHUNK, features - start)
            which = rng.integers(0, n_clusters, n)
            # spread of a cluster ~ 0.15° so that about a quarter of the polygons overlap
            cx = centres[which, 0] + rng.normal(0, 0.15, n)
            cy = centres[which, 1] + rng.normal(0, 0.10, n)
            radius = rng.uniform(0.5, 1.0, n) * scale
            sides = rng.integers(4, 8, n)
            status = rng.choice(3, n, p=(0.6, 0.3, 0.1))
            rows = []
            for i in range(n):
                k = int(sides[i])
                angles = np.sort(rng.uniform(0, 2 * np.pi, k))
                r = radius[i] * rng.uniform(0.7, 1.0, k)
                xs = cx[i] + r * np.cos(angles) * 1.5  # a degree of longitude is shorter
                ys = cy[i] + r * np.sin(angles)
                ring = ",".join(f"[{x:.6f},{y:.6f}]" for x, y in zip(xs, ys, strict=True))
                ring += f",[{xs[0]:.6f},{ys[0]:.6f}]"
                rows.append(
                    '{"type":"Feature","properties":{"status":"'
                    + STATUSES[int(status[i])]
                    + '"},"geometry":{"type":"Polygon","coordinates":[['
                    + ring
                    + "]]}}"
                )
            out.write(("" if first else ",\n") + ",\n".join(rows))
            first = False
        out.write("\n]}\n")
    return path


def write_repeats(path: Path, features: int, distinct: int = 100) -> Path:
    """Write ``features`` features that are copies of ``distinct`` hexagons (~20 km across),
    status ``occupied``: a file that grows while its territory does not."""
    rng = np.random.default_rng(1)
    cx, cy = rng.uniform(34.0, 39.0, distinct), rng.uniform(47.0, 50.0, distinct)
    angles = np.linspace(0, 2 * np.pi, 7)[:-1]
    geometries = []
    for x, y in zip(cx, cy, strict=True):
        ring = [f"[{x + 0.15 * np.cos(t):.6f},{y + 0.09 * np.sin(t):.6f}]" for t in angles]
        geometries.append('{"type":"Polygon","coordinates":[[' + ",".join([*ring, ring[0]]) + "]]}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="ascii") as out:
        out.write('{"type": "FeatureCollection", "features": [\n')
        for start in range(0, features, CHUNK):
            rows = (
                '{"type":"Feature","properties":{"status":"occupied"},"geometry":'
                + geometries[i % distinct]
                + "}"
                for i in range(start, min(start + CHUNK, features))
            )
            out.write(("" if start == 0 else ",\n") + ",\n".join(rows))
        out.write("\n]}\n")
    return path


def main(argv: list[str] | None = None) -> int:
    """Parse the options, write the file, print its path."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--features", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20240801)
    parser.add_argument("--out", type=Path, help="file to write (default: a new temporary folder)")
    parser.add_argument(
        "--repeat",
        type=int,
        metavar="K",
        help="copies of K hexagons instead: the file grows, its territory does not",
    )
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="geotools-big-")) / "20240801.geojson"
    if args.repeat:
        write_repeats(out, args.features, args.repeat)
    else:
        write_big(out, args.features, args.seed)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
