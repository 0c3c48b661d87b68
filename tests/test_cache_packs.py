"""A chunk's cache entries written as one file, each entry's name a hard link to it (issue 20):
read back whole, one by one, also through a long index, a replaced entry and a file system
without hard links; a damaged index spoils no entry silently."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geotools import cache
from geotools.cache_packs import PACK, pack, read_packed

from .conftest import REPO


def _key(i: int, salt: str = "") -> str:
    return hashlib.sha256(f"{salt}{i}".encode()).hexdigest()


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("GEOTOOLS_CACHE", str(folder))
    monkeypatch.setattr(cache, "_NO_LINKS", set())
    return folder


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def test_a_batch_is_one_file_a_kind_read_back_meanwhile_and_after(root: Path) -> None:
    pairs = {_key(i): {"i": i, "area": i / 7} for i in range(30)}
    snaps = {
        _key(i, "s"): ({"n": i}, {"a": bytes([i]) * (100 + i), "b": b"x" * i}) for i in range(5)
    }
    with cache.batched():
        for k, v in pairs.items():
            cache.store_json("pairs", k, v)
        for k, (meta, blobs) in snaps.items():
            cache.store_parsed(k, meta, blobs)
        # kept in memory until the block ends, and read back from there
        assert not root.exists() or _files(root) == []
        assert cache.load_json_many("pairs", list(pairs)) == list(pairs.values())
        assert cache.parsed_exist(list(snaps)) == [True] * 5
        assert cache.load_parsed(_key(3, "s")) == (
            {"n": 3, "statuses": ["a", "b"], "sizes": [103, 3]},
            {"a": bytes([3]) * 103, "b": b"xxx"},
        )
    assert cache.load_json_many("pairs", list(pairs)) == list(pairs.values())
    for k, (meta, blobs) in snaps.items():
        found = cache.load_parsed(k)
        assert found is not None and found[1] == blobs and found[0]["n"] == meta["n"]
    for kind, count in (("pairs", 30), ("snapshots", 5)):
        files = _files(root / kind)
        assert len(files) == count
        assert len({p.stat().st_ino for p in files}) == 1  # one pack a kind
        assert files[0].stat().st_nlink == count
        assert files[0].read_bytes().startswith(PACK)
    assert [p for p in root.rglob(".*") if p.is_file()] == []  # the pack's own name is gone


def test_an_index_longer_than_the_first_read_and_each_entry_where_its_index_says(
    root: Path,
) -> None:
    values = {_key(i): [i, "x" * (i % 50)] for i in range(400)}
    with cache.batched():
        for k, v in values.items():
            cache.store_json("pairs", k, v)
    path = next(iter(_files(root / "pairs")))
    assert path.read_bytes().index(b"\n") > 8192  # longer than one first read
    assert cache.load_json_many("pairs", list(values)) == list(values.values())
    for p in _files(root / "pairs")[:20]:
        span = cache.entry_span(p)
        assert span is not None
        payload = cache.unseal(p.read_bytes()[span[0] : span[1]], p)
        assert payload is not None
        assert cache.load_json("pairs", p.stem) == json.loads(payload)


def test_an_entry_stored_again_replaces_its_name_and_leaves_the_others(root: Path) -> None:
    a, b, c = _key(1), _key(2), _key(3)
    with cache.batched():
        cache.store_json("pairs", a, "old")
        cache.store_json("pairs", b, "b")
    with cache.batched():
        cache.store_json("pairs", a, "new")
        cache.store_json("pairs", c, "c")
    assert cache.load_json_many("pairs", [a, b, c]) == ["new", "b", "c"]
    ino = {p.stem: (p.stat().st_ino, p.stat().st_nlink) for p in _files(root / "pairs")}
    assert ino[a] == ino[c] and ino[a][1] == 2  # the second pack
    assert ino[b][0] != ino[a][0] and ino[b][1] == 1  # the first, now b's alone


@pytest.mark.parametrize("code", [errno.EPERM, errno.EIO])
def test_a_link_refused_leaves_every_entry_a_file_of_its_own(
    code: int, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EPERM is what a file system without hard links answers: the next batches do not try
    again. Any other refusal (EIO) falls back for that batch only."""

    def refuse(src: object, dst: object) -> None:
        raise OSError(code, os.strerror(code), str(dst))

    monkeypatch.setattr(os, "link", refuse)
    keys = [_key(i) for i in range(12)]
    for _ in range(2):
        with cache.batched():
            for i, k in enumerate(keys):
                cache.store_json("pairs", k, i)
        assert cache.load_json_many("pairs", keys) == list(range(12))
        files = _files(root / "pairs")
        assert len(files) == 12 and {p.stat().st_nlink for p in files} == {1}
    assert (root in cache._NO_LINKS) == (code == errno.EPERM)
    assert [p for p in root.rglob(".*") if p.is_file()] == []


def test_a_block_left_by_an_error_still_writes_what_it_stored(root: Path) -> None:
    keys = [_key(i) for i in range(3)]
    with pytest.raises(ValueError), cache.batched():
        for i, k in enumerate(keys):
            cache.store_json("pairs", k, i)
        raise ValueError("a bad file in the chunk")
    assert cache.load_json_many("pairs", keys) == [0, 1, 2]


def test_a_pack_left_by_a_killed_run_is_swept_once_stale(root: Path) -> None:
    root.mkdir()
    stale, fresh = root / ".pack.123.deadbeef.tmp", root / ".pack.124.deadbeef.tmp"
    for p in (stale, fresh):
        p.write_bytes(PACK + b"cut short")
    old = time.time() - 2 * cache.STALE_TEMPORARY_S
    os.utime(stale, (old, old))
    assert cache.sweep_temporaries(root) == 1
    assert not stale.exists() and fresh.exists()


_NAMES = st.lists(
    st.from_regex(r"[a-z]{1,8}/[0-9a-f]/[0-9a-f]{1,64}\.(snap|json)", fullmatch=True),
    min_size=1,
    max_size=40,
    unique=True,
)


@settings(max_examples=60, deadline=None)
@given(names=_NAMES, data=st.data())
def test_every_entry_reads_back_and_any_flip_in_the_index_reads_nothing(
    names: list[str], data: st.DataObject
) -> None:
    entries = [(n, data.draw(st.binary(max_size=3000))) for n in names]
    blob = pack(entries, cache.checksum)
    for first in (8, 1 << 13):  # a header within the first read, and one read in pieces
        for name, want in entries:
            fh = io.BytesIO(blob)
            assert read_packed(fh, fh.read(first), name, cache.checksum) == want
    fh = io.BytesIO(blob)
    assert read_packed(fh, fh.read(64), "other/0/0.json", cache.checksum) is None
    at = data.draw(st.integers(len(PACK), blob.index(b"\n") - 1))
    bad = bytearray(blob)
    bad[at] ^= 1 << data.draw(st.integers(0, 7))
    for name, _ in entries:
        fh = io.BytesIO(bytes(bad))
        assert read_packed(fh, fh.read(1 << 13), name, cache.checksum) is None
    cut = blob[: blob.index(b"\n")]  # a pack cut short within its header
    fh = io.BytesIO(cut)
    assert read_packed(fh, fh.read(16), names[0], cache.checksum) is None


_FULL_DISK = """
import logging, os, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
logging.basicConfig(level=logging.WARNING, format="%(message)s")
from geotools import cache
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
with cache.batched():
    for i in range(40):
        cache.store_json("pairs", f"{i:064x}", "x" * 200)
print(sum(v is not None for v in cache.load_json_many("pairs", [f"{i:064x}" for i in range(40)])))
"""


def test_a_pack_that_cannot_be_written_leaves_nothing_half_written(root: Path) -> None:
    """A write that fails midway (here a file-size limit, as a full disk would): one warning,
    the run goes on, no entry and no part of the pack left behind."""
    res = subprocess.run(
        [sys.executable, "-c", _FULL_DISK],
        env={**os.environ, "GEOTOOLS_CACHE": str(root), "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "0"  # nothing stored: each entry would be computed again
    warned = [line for line in res.stderr.splitlines() if "cannot store cache entries" in line]
    assert len(warned) == 1 and "file too large" in warned[0], res.stderr
    assert [p for p in root.rglob("*") if p.is_file()] == []
