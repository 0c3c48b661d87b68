"""Content memos: the results of costly geometry steps, keyed by the exact bytes of their inputs
and kept for the next snapshots of a run.

Consecutive snapshots of a source share most of their features: DeepState's raw map keeps its
60-odd "liberated" layers of 2022 unchanged for weeks while a few front polygons move each day.
A step whose inputs are byte-for-byte those of an earlier snapshot gives the result computed
then: the same GEOS call on the same input gives the same output, so a hit changes nothing but
the time, and a snapshot's result never depends on which snapshots a process read before it
(chunkings, workers and the cache see the same bits). Keys are the inputs' WKB bytes
themselves (dict equality compares them in full: no digest, no collision). Each memo is small,
per process, and forgets what the run has not asked for lately.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Generic, Protocol, TypeVar

import numpy as np

V = TypeVar("V")
K = TypeVar("K")

#: Inputs above this many bytes of WKB are not memoised (a big file's batches would hold
#: their copies: issue 16 keeps memory to the size of the dissolved territory).
MAX_KEY_BYTES = 4 << 20


class Memo(Generic[V]):
    """At most ``size`` entries in two generations: a hit in the older one moves the entry to
    the newer; when the newer holds ``size / 2`` entries it becomes the older, and the older
    is forgotten. What a run keeps using stays, the rest goes (least recently used, roughly),
    at the price of one or two dict lookups a call: no lock, no reordering (a raw DeepState
    day asks ~700 times). Threads may share it (a Dask worker's): the dicts' own operations
    are atomic, and a race only loses an entry (computed again, the same)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._new: dict[Hashable, V] = {}
        self._old: dict[Hashable, V] = {}
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
        """The value for ``key``, or None when absent (counted as a miss)."""
        value = self._new.get(key)
        if value is None:
            value = self._old.get(key)
            if value is None:
                self.misses += 1
                return None
            self.put(key, value)
        self.hits += 1
        return value

    def put(self, key: Hashable, value: V) -> None:
        """Keep ``value`` for ``key`` (None is never kept: it means absent)."""
        if value is None:
            return
        new = self._new
        new[key] = value
        if len(new) >= max(1, self.size // 2):
            self._old, self._new = new, {}

    def clear(self) -> None:
        """Forget every entry (and the counts)."""
        self._new, self._old = {}, {}
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._new) + len(self._old)


class HeldMemo(Generic[V]):
    """A memo keyed by the identity of objects (and an optional hashable ``extra``): for steps
    whose input is the very object an earlier snapshot gave (a content memo's hit), where
    comparing bytes would cost what the step saves. Each entry holds its objects, so their
    ids are not reused while it lives; a lookup also checks that they are the same objects."""

    def __init__(self, size: int) -> None:
        self._memo: Memo[tuple[tuple[object, ...], V]] = register(Memo(size))

    @property
    def hits(self) -> int:
        """Lookups that found their objects' value."""
        return self._memo.hits

    @property
    def misses(self) -> int:
        """Lookups that did not."""
        return self._memo.misses

    def peek(self, objs: tuple[object, ...], extra: Hashable = ()) -> V | None:
        """The value kept for these very objects (and ``extra``), or None."""
        if len(objs) == 1:  # most lookups (a feature, a cluster): no generator, no zip
            (obj,) = objs
            one = self._memo.peek(((id(obj),), extra))
            return None if one is None or one[0][0] is not obj else one[1]
        held = self._memo.peek((tuple(map(id, objs)), extra))
        if held is None or any(a is not b for a, b in zip(held[0], objs, strict=True)):
            return None
        return held[1]

    def put(self, objs: tuple[object, ...], value: V, extra: Hashable = ()) -> None:
        """Keep ``value`` for these objects (and ``extra``), holding them."""
        self._memo.put((tuple(map(id, objs)), extra), (objs, value))

    def get(
        self,
        objs: tuple[object, ...],
        compute: Callable[..., V],
        *args: object,
        extra: Hashable = (),
    ) -> V:
        """The value for these objects; when absent, ``compute(*args)`` (kept)."""
        found = self.peek(objs, extra)
        if found is None:
            found = compute(*args)
            self.put(objs, found, extra)
        return found


def answers(
    keys: Sequence[K],
    peek: Callable[[K], bool | None],
    put: Callable[[K, bool], None],
    compute: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """A yes/no per key from a memo (``peek``), the ones it lacks computed in one call
    (``compute`` of their indexes, a boolean array) and kept (``put``)."""
    found = np.zeros(len(keys), dtype=bool)
    todo: list[int] = []
    for n, key in enumerate(keys):
        held = peek(key)
        if held is None:
            todo.append(n)
        else:
            found[n] = held
    if todo:
        idx = np.asarray(todo)
        fresh = np.asarray(compute(idx), dtype=bool)
        found[idx] = fresh
        for n, value in zip(todo, fresh.tolist(), strict=True):
            put(keys[n], bool(value))
    return found


def clear_all() -> None:
    """Forget every memo of this process (tests compare memoised and fresh results)."""
    for memo in _ALL:
        memo.clear()


class Clearable(Protocol):
    """What clear_all empties: a memo, or any state kept alongside memos."""

    def clear(self) -> None:
        """Forget what is held."""


C = TypeVar("C", bound=Clearable)
_ALL: list[Clearable] = []


def register(memo: C) -> C:
    """Track ``memo`` for clear_all; returns it."""
    _ALL.append(memo)
    return memo
