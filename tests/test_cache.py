"""The cache checks itself: an entry altered on disk is discarded and computed again, never
served. Every kind of entry (parsed snapshots, the region layer with its tiles, measured pairs)
gets one bit flipped in place; the `series` table must equal a --no-cache run byte for byte."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from geotools import cache

from .conftest import REPO, data_path

DAYS = 6


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A few real daily snapshots, and the simplified oblast layer."""
    folder = tmp_path_factory.mktemp("cache-inputs")
    for path in sorted(data_path("deepstate", "daily").iterdir())[:DAYS]:
        shutil.copy(path, folder / path.name)
    return folder, data_path("boundaries", "geoBoundaries-UKR-ADM1_simplified.geojson.gz")


def _series(
    inputs: tuple[Path, Path], out: Path, cache_dir: Path | None
) -> subprocess.CompletedProcess[str]:
    folder, regions = inputs
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    args = ["series", str(folder), "--period", "day", "--by", str(regions), "-o", str(out)]
    if cache_dir is None:
        args.append("--no-cache")
    else:
        env["GEOTOOLS_CACHE"] = str(cache_dir)
    res = subprocess.run(
        [sys.executable, "-m", "geotools", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-800:]
    return res


def _entries(root: Path, kind: str) -> list[Path]:
    suffix = {"snapshots": ".snap", "pairs": ".json"}[kind]
    return sorted(p for p in (root / kind).rglob(f"*{suffix}") if not p.name.startswith("."))


def _flip(path: Path, rng: random.Random) -> None:
    """Flip one bit of the entry in place, past its checksum line (in what it stores). An
    entry linked to a pack (issue 20) has its own part of the file: the bit is flipped there."""
    span = cache.entry_span(path)
    assert span is not None, path
    start, end = span
    data = bytearray(path.read_bytes())
    start = data.find(b"\n", start, end) + 1 or start  # start: an entry of one line
    at = rng.randrange(start, end)
    data[at] ^= 1 << rng.randrange(8)
    with open(path, "r+b") as fh:  # in place: same inode, same size
        fh.write(data)


@pytest.fixture(scope="module")
def reference(inputs: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> bytes:
    out = tmp_path_factory.mktemp("reference") / "table.csv"
    _series(inputs, out, None)
    return out.read_bytes()


@pytest.mark.parametrize("flipped", ["everything", "pairs", "snapshots"])
def test_a_flipped_bit_in_any_entry_is_caught(
    flipped: str, inputs: tuple[Path, Path], reference: bytes, tmp_path: Path
) -> None:
    root = tmp_path / "cache"
    _series(inputs, tmp_path / "warm.csv", root)
    assert (tmp_path / "warm.csv").read_bytes() == reference
    snaps, pairs = _entries(root, "snapshots"), _entries(root, "pairs")
    # the DAYS snapshots and the region layer (its tiles inside) / one pair per day
    assert len(snaps) >= DAYS + 1 and len(pairs) == DAYS - 1
    rng = random.Random(flipped)
    if flipped == "pairs":
        altered = pairs
    elif flipped == "snapshots":
        altered = snaps
        for p in pairs:  # without the pairs, every snapshot entry is read again
            p.unlink()
    else:
        altered = snaps + pairs
    for path in altered:
        _flip(path, rng)
    _caught_then_mended(inputs, root, tmp_path, reference, altered)


def _caught_then_mended(
    inputs: tuple[Path, Path], root: Path, tmp_path: Path, reference: bytes, altered: list[Path]
) -> None:
    """The next run names exactly the ``altered`` entries as damaged and gives the reference
    table; a third run reads them (stored again, whole) without a complaint."""
    res = _series(inputs, tmp_path / "again.csv", root)
    assert (tmp_path / "again.csv").read_bytes() == reference
    damaged = [line for line in res.stderr.splitlines() if "is damaged (checksum" in line]
    assert sorted(line.split()[3] for line in damaged) == sorted(map(str, altered))
    res = _series(inputs, tmp_path / "third.csv", root)
    assert (tmp_path / "third.csv").read_bytes() == reference
    assert "damaged" not in res.stderr


def test_a_flipped_bit_in_a_packs_header_discards_every_entry_in_it(
    inputs: tuple[Path, Path], reference: bytes, tmp_path: Path
) -> None:
    """A chunk's entries share one file (a pack, issue 20): a bit flipped in its header (the
    index of where each entry lies) spoils all of them, and each is caught, discarded and
    computed again, the table unchanged."""
    root = tmp_path / "cache"
    _series(inputs, tmp_path / "warm.csv", root)
    pairs = _entries(root, "pairs")
    inodes = {p.stat().st_ino for p in pairs}
    assert len(inodes) == 1 and pairs[0].stat().st_nlink == len(pairs)  # one pack, linked
    data = bytearray(pairs[0].read_bytes())
    assert data.startswith(b"GTP1 ")
    rng = random.Random(7)
    data[rng.randrange(5, data.index(b"\n"))] ^= 1 << rng.randrange(8)
    with open(pairs[0], "r+b") as fh:
        fh.write(data)
    _caught_then_mended(inputs, root, tmp_path, reference, pairs)


def test_seal_round_trip_and_any_flip(tmp_path: Path) -> None:
    payload = b'{"a": 1.25}\nWKB\x00\x01'
    sealed = cache.seal(payload)
    path = tmp_path / "entry"
    assert cache.unseal(sealed, path) == payload
    for i in range(len(sealed)):
        for bit in range(8):
            bad = bytearray(sealed)
            bad[i] ^= 1 << bit
            path.write_bytes(bad)
            assert cache.unseal(bytes(bad), path) is None
            assert not path.exists()  # discarded


def test_no_cache_writes_nothing_in_the_cache(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    # --no-cache with a region layer: nothing stored, not even the files' digest index (the
    # region layer's key hashed its file through the index, which was written at exit)
    folder, regions = inputs
    root = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(REPO), "GEOTOOLS_CACHE": str(root)}
    args = ["series", str(folder), "--period", "day", "--by", str(regions), "--no-cache"]
    res = subprocess.run(
        [sys.executable, "-m", "geotools", *args, "-o", str(tmp_path / "t.csv")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-800:]
    assert (tmp_path / "t.csv").stat().st_size > 0
    assert not root.exists(), sorted(str(p.relative_to(root)) for p in root.rglob("*"))
