"""Worker processes that end with their run, and SIGTERM handled like Ctrl-C.

A worker outliving its parent keeps the caller's stdout and stderr open, so
``geotools series … | cat`` (or a CI step capturing output) never sees end-of-file. Two
guards make the workers end with the run:

- on Linux, the kernel sends each worker SIGKILL when its parent dies, however it dies
  (``prctl(PR_SET_PDEATHSIG)``, set in the worker initializer);
- on every platform, a watchdog thread in each worker ends it when the parent's process id
  changes (the worker was re-parented: its parent is gone).

When the run itself is interrupted (Ctrl-C, or SIGTERM, which :func:`install_sigterm` turns
into :class:`Terminated`), :func:`stop` ends the workers at once instead of waiting for the
chunks they are measuring.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import sys
import threading
from concurrent.futures import Executor
from types import FrameType

#: Linux <sys/prctl.h>: the signal a process gets when its parent dies.
PR_SET_PDEATHSIG = 1
#: How often the watchdog looks at the parent (seconds).
WATCHDOG_PERIOD = 0.5


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: the run ends as after Ctrl-C (a KeyboardInterrupt, so every cleanup
    that runs for Ctrl-C runs for it too), with exit code 143 (128 + SIGTERM)."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def install_sigterm() -> None:
    """Make SIGTERM (what ``timeout`` and ``kill`` send) end this process like Ctrl-C."""
    with contextlib.suppress(ValueError):  # not the main thread (embedded use): leave it
        signal.signal(signal.SIGTERM, _on_sigterm)


def _parent_death_signal(sig: int) -> bool:
    """Ask Linux to send ``sig`` to this process when its parent dies; False elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # issue 20: here, in a worker, not when the command line starts
    import ctypes.util

    libc_name = ctypes.util.find_library("c") or "libc.so.6"
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    event = threading.Event()
    while not event.wait(WATCHDOG_PERIOD):
        if os.getppid() != parent:
            os._exit(1)


def worker_init(parent: int) -> None:
    """Initializer of a worker process forked or spawned by ``parent`` (its process id).

    The worker dies with its parent (see the module docstring); it ignores Ctrl-C, which the
    terminal sends to the whole process group (the parent stops the workers itself, without
    a traceback from each), and takes SIGTERM as the plain end it is by default.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _parent_death_signal(signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the kernel was asked to tell us
        os._exit(1)
    threading.Thread(target=_watch, args=(parent,), daemon=True, name="parent-watchdog").start()


def stop(pool: Executor) -> None:
    """End a process pool now: cancel what has not started, end the running workers.

    For an interrupted run: waiting for the chunks under way (``shutdown(wait=True)``) would
    hold Ctrl-C or SIGTERM for as long as a chunk takes.
    """
    # the pool's own processes (shutdown forgets them); other children of this process, such
    # as a library user's, are left alone
    processes = getattr(pool, "_processes", None)
    children = list(processes.values()) if processes else []
    pool.shutdown(wait=False, cancel_futures=True)
    for child in children:
        child.terminate()
    for child in children:
        child.join(timeout=5)
        if child.is_alive():
            child.kill()
    # The pool's threads now find their workers gone and tear down; a queue feeder stuck
    # writing a job to a pipe no worker reads is unblocked by closing it, and prints the
    # resulting "Bad file descriptor" traceback (CPython gh-107219): no news after Ctrl-C,
    # so it goes nowhere. Bounded, in case an older Python's teardown blocks.
    saved, sys.stderr = sys.stderr, io.StringIO()
    try:
        closing = threading.Thread(target=pool.shutdown, daemon=True)
        closing.start()
        closing.join(timeout=5)
    finally:
        sys.stderr = saved
