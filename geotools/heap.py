"""The cyclic garbage collector during a run (issue 20).

A full collection walks every object the process holds. A series' main process holds pandas,
shapely and the run's rows, and a worker process everything it inherited when forked: a raw
DeepState year made one full collection in the main process (75 ms, while the workers ran)
and one in each worker (50 ms), for no garbage. Objects that existed before the run are
therefore left out of full collections while it runs (``gc.freeze``, as Python's
documentation advises for forked workers); what the run itself makes is collected as always,
and nothing is ever kept alive by this.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Within: the objects that exist on entry are out of the collector's sight
    (``gc.freeze``), and back in it on exit (``gc.unfreeze``). A process that froze objects
    itself keeps its own freeze: nothing is done then."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def freeze_inherited() -> None:
    """In a worker process forked for one run: what it inherited from its parent is out of
    the collector's sight for the worker's life (which ends with the run)."""
    gc.freeze()
