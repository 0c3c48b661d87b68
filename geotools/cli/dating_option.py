"""The ``--dating`` option: which rule dates snapshot files (geotools.dating)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def dating_option(func: F) -> F:
    """Add ``--dating RULE`` (default: the file name's date, unchanged)."""
    option = click.option(
        "--dating",
        default=None,
        metavar="RULE",
        help="How files are dated: file (the name's date, default), deepstate-daily (the "
        "flattened DeepState archive, by the day its map shows) or a rule .json file "
        "(see README, 'Dates').",
    )
    return option(func)
