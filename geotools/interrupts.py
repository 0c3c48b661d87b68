"""Ctrl-C and SIGTERM held back for a few seconds while something must not be cut in half.

A Dask LocalCluster interrupted while it starts is left half-built: Dask's exit hook then
tries to close it and prints an ``AssertionError`` traceback after geotools' one line
(issue 16). Held here, the signal waits until the cluster has started and is in the run's
exit stack, then ends the run as usual, so the cluster closes cleanly. A second signal
while held ends the run at once (the way out of a start that hangs).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

from geotools.workers import Terminated

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _raise_for(signum: int) -> None:
    if signum == signal.SIGTERM:
        raise Terminated()
    raise KeyboardInterrupt()


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM for the block; the first one is raised when it ends."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only: nothing to hold here
        return
    pending: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        if pending:  # a second signal: the user insists
            _raise_for(pending[0])
        pending.append(signum)

    saved = {sig: signal.getsignal(sig) for sig in _SIGNALS}
    for sig in _SIGNALS:
        signal.signal(sig, hold)
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    if pending:
        _raise_for(pending[0])
