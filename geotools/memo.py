"""Content memos: the results of costly geometry steps, keyed by the exact bytes of their inputs
and kept for the next snapshots of a run.

Consecutive snapshots of a source share most of their features: DeepState's raw map keeps its
60-odd "liberated" layers of 2022 unchanged for weeks while a few front polygons move each day.
A step whose inputs are byte-for-byte those of an earlier snapshot gives the result computed
then: the same GEOS call on the same input gives the same output, so a hit changes nothing but
the time, and a snapshot's result never depends on which snapshots a process read before it
(chunkings, workers and the cache see the same bits). Keys are the inputs' WKB bytes
themselves (dict equality compares them in full: no digest, no collision). Each memo is small,
per process, and forgets the least recently used entry first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")

#: Inputs above this many bytes of WKB are not memoised (a big file's batches would hold
#: their copies: issue 16 keeps memory to the size of the dissolved territory).
MAX_KEY_BYTES = 4 << 20


class Memo(Generic[V]):
    """A least-recently-used map of at most ``size`` entries, safe to share between threads
    (a Dask worker's): the lock guards the map, never a computation."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, compute: Callable[..., V], *args: object) -> V:
        """The value for ``key``; when absent, ``compute(*args)`` (kept)."""
        found = self.peek(key)
        if found is not None:
            return found
        value = compute(*args)
        self.put(key, value)
        return value

    def peek(self, key: Hashable) -> V | None:
        """The value for ``key`` (renewed), or None when absent (counted as a miss)."""
        with self._lock:
            value = self._entries.get(key)
            if value is None:
                self.misses += 1
                return None
            self.hits += 1
            self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> None:
        """Keep ``value`` for ``key`` (None is never kept: it means absent)."""
        if value is None:
            return
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every entry (and the counts)."""
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)


def clear_all() -> None:
    """Forget every memo of this process (tests compare memoised and fresh results)."""
    for memo in _ALL:
        memo.clear()


_ALL: list[Memo[object]] = []


def register(memo: Memo[V]) -> Memo[V]:
    """Track ``memo`` for clear_all; returns it."""
    _ALL.append(memo)  # type: ignore[arg-type]
    return memo
