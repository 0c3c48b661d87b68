"""Options shared by the drawing commands (map, chart, report) and the --map flag."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from geotools.cli.options import DATE
from geotools.periods import PERIOD_KINDS
from geotools.render.style import CHANGE_TOLERANCE_M, TILE_CHOICES

if TYPE_CHECKING:
    from geotools.read import ReadOptions

F = TypeVar("F", bound=Callable[..., Any])


def _apply(func: F, options: Sequence[Callable[[Any], Any]]) -> F:
    for option in reversed(options):
        func = option(func)
    return func


def range_options(func: F) -> F:
    """--start/--end/--period: the range drawn and its periods."""
    return _apply(
        func,
        [
            click.option(
                "--start", type=DATE, default=None, help="Range start (default: first snapshot)."
            ),
            click.option(
                "--end", type=DATE, default=None, help="Range end (default: last snapshot)."
            ),
            click.option(
                "--period",
                type=click.Choice([*PERIOD_KINDS, "snapshot"]),
                default="month",
                show_default=True,
                help="Periods of the timeline, charts and tables; 'snapshot': one per file.",
            ),
        ],
    )


def _map_option_list(with_map: bool = False) -> list[Callable[[Any], Any]]:
    note = "With --map: b" if with_map else "B"
    return [
        click.option(
            "--tiles",
            type=click.Choice(TILE_CHOICES),
            multiple=True,
            default=("none",),
            show_default=True,
            help=f"{note}ase layers to offer, the first shown; 'none' draws an offline land "
            "outline and needs no network (repeatable: --tiles none --tiles osm).",
        ),
        click.option(
            "--title",
            default=None,
            help="With --map: the map's title (default: the dates and the inputs' names)."
            if with_map
            else "Title shown on the map / report.",
        ),
    ]


def _simplify(with_map: bool = False) -> Callable[[Any], Any]:
    note = "With --map: d" if with_map else "D"
    return click.option(
        "--simplify",
        "tolerance_m",
        type=click.FloatRange(min=0),
        default=CHANGE_TOLERANCE_M,
        show_default=True,
        help=f"{note}isplay simplification in metres (numbers always use the full geometry).",
    )


def map_options(func: F) -> F:
    """--tiles and --title."""
    return _apply(func, _map_option_list())


def simplify_option(func: F) -> F:
    """--simplify: display tolerance of the maps (as tolerance_m)."""
    return _apply(func, [_simplify()])


def map_flag_options(func: F) -> F:
    """--tiles, --title and --simplify of the map a command writes with --map."""
    return _apply(func, [*_map_option_list(with_map=True), _simplify(with_map=True)])


def chosen_status(read: ReadOptions) -> str | None:
    """The --status given on the command line (None for the default): the class a map's
    choropleth and the per-region chart show first (default: occupied, else the first class).

    --status also names the class of every feature when there is no --status-field; then the
    data has that one class, and both meanings agree.
    """
    source = click.get_current_context().get_parameter_source("status")
    if source in (None, click.core.ParameterSource.DEFAULT):
        return None
    return read.status


def run_options(func: F) -> F:
    """--workers and --no-cache, as for series."""
    return _apply(
        func,
        [
            click.option(
                "--workers", type=int, default=None, help="Worker processes (see series)."
            ),
            click.option("--no-cache", is_flag=True, help="Do not read or write the cache."),
        ],
    )


def place_options(func: F) -> F:
    """--places and --min-population: place labels, search and changed places (issue 17)."""
    return _apply(
        func,
        [
            click.option(
                "--places",
                "places",
                default=None,
                metavar="default|FILE",
                help="Add place labels, a place search and the places that changed hands: "
                "'default' (GeoNames' Ukrainian places) or a point/polygon layer.",
            ),
            click.option(
                "--min-population",
                type=float,
                default=None,
                help="With --places: only places with at least N people.",
            ),
        ],
    )


def source_option(func: F) -> F:
    """--source-label: who published the snapshots, named on maps, charts and reports."""
    return _apply(
        func,
        [
            click.option(
                "--source-label",
                default=None,
                help="The source named on maps, charts and reports (default: the --profile's "
                "source, else the inputs' names).",
            )
        ],
    )
