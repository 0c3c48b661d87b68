"""File digests kept across processes (geotools.digests through cache.file_digest)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from geotools import cache
from geotools.digests import MAX_ENTRIES, DigestIndex, state_key

from .conftest import REPO

DIGEST = """
import sys
from geotools import cache
print(cache.file_digest(sys.argv[1]))
"""


def _digest_in_new_process(path: Path, root: Path) -> str:
    env = {**os.environ, "GEOTOOLS_CACHE": str(root), "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", DIGEST, str(path)], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_a_digest_outlives_its_process_and_a_rewrite_is_hashed_again(tmp_path: Path) -> None:
    root, path = tmp_path / "cache", tmp_path / "a.geojson"
    path.write_bytes(b"first")
    assert _digest_in_new_process(path, root) == hashlib.sha256(b"first").hexdigest()
    index = root / "digests" / "index.json"
    assert index.is_file()  # written at exit, sealed like every entry
    payload = cache.unseal(index.read_bytes(), index)
    assert payload is not None
    assert DigestIndex.loads(payload).lookup(path.stat()) == hashlib.sha256(b"first").hexdigest()
    # the same size, the modification time set back: the change time still differs
    st = path.stat()
    path.write_bytes(b"other")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_mtime_ns == st.st_mtime_ns and path.stat().st_size == st.st_size
    assert _digest_in_new_process(path, root) == hashlib.sha256(b"other").hexdigest()


def test_a_damaged_index_is_discarded_and_every_file_hashed_again(tmp_path: Path) -> None:
    root, path = tmp_path / "cache", tmp_path / "a.geojson"
    path.write_bytes(b"bytes")
    _digest_in_new_process(path, root)
    index = root / "digests" / "index.json"
    # a wrong digest written into the index, the seal left as it was: refused, not served
    forged = index.read_bytes().replace(hashlib.sha256(b"bytes").hexdigest().encode(), b"0" * 64)
    index.write_bytes(forged)
    assert _digest_in_new_process(path, root) == hashlib.sha256(b"bytes").hexdigest()


def test_the_index_keeps_the_newest_entries(tmp_path: Path) -> None:
    path = tmp_path / "a"
    path.write_bytes(b"x")
    index = DigestIndex({f"k{i}": "d" for i in range(MAX_ENTRIES)})
    index.record(path.stat(), "mine")
    again = DigestIndex.loads(index.dumps())
    assert len(again.entries) == MAX_ENTRIES
    assert again.lookup(path.stat()) == "mine" and "k0" not in again.entries
    assert state_key(path.stat()) in again.entries
    assert DigestIndex.loads(b"[1, 2]").entries == {} and DigestIndex.loads(None).entries == {}


def test_which_files_a_run_would_read_only_to_hash_them(tmp_path: Path, monkeypatch) -> None:
    """cache.digest_known: false for a file never hashed, true once hashed (here or by the
    index another process wrote), false again once rewritten; a shapefile (hashed with its
    sidecars every time, outside the index) counts as known, so a run of them is looked up
    before its workers start, as before (issue 20)."""
    monkeypatch.setenv("GEOTOOLS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "_DIGESTS", {})
    f = tmp_path / "a.geojson"
    f.write_text("one")
    assert not cache.digest_known(f)
    cache.file_digest(f)
    assert cache.digest_known(f)
    g = tmp_path / "b.geojson"
    g.write_text("two")
    assert _digest_in_new_process(g, tmp_path / "cache") == hashlib.sha256(b"two").hexdigest()
    monkeypatch.setattr(cache, "_INDEXES", {})  # read the index the other process wrote
    assert cache.digest_known(g)
    f.write_text("one, again")
    assert not cache.digest_known(f)
    shp = tmp_path / "c.shp"
    shp.write_bytes(b"x")
    assert cache.digest_known(shp)
