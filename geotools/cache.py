"""The on-disk cache: location, locking and atomic entries.

``GEOTOOLS_CACHE`` relocates it (default: the user cache dir). Entries are written under a
temporary name and renamed, and writers of one entry hold a file lock, so two runs sharing a
cache never see or leave half an entry.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock
from platformdirs import user_cache_dir


def cache_dir() -> Path:
    """The cache root (created if missing)."""
    root = Path(os.environ.get("GEOTOOLS_CACHE") or user_cache_dir("geotools"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def entry_path(*parts: str) -> Path:
    """Path of a cache entry (its folder is created)."""
    path = cache_dir().joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def locked(path: Path, timeout: float = 600.0) -> Iterator[None]:
    """Hold the lock of one cache entry (other processes wait)."""
    with FileLock(str(path) + ".lock", timeout=timeout):
        yield
