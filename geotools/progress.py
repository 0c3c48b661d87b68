"""Progress bars: rich on a terminal, silent otherwise or with --quiet."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Advance(Protocol):
    """Callable that advances a progress bar by one step."""

    def __call__(self, steps: int = 1) -> None:
        """Advance by ``steps``."""


@contextmanager
def progress(total: int, description: str, enabled: bool | None = None) -> Iterator[Advance]:
    """A progress bar over ``total`` steps; yields a function advancing it.

    ``enabled=None`` shows it only when stderr is a terminal.
    """
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show or total <= 1:
        yield lambda steps=1: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)

        def advance(steps: int = 1) -> None:
            bar.advance(task, steps)

        yield advance
