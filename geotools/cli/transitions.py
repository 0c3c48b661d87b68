"""`geotools transitions`: km² that went from one status class to another, per period."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import click

from geotools.cli.display import print_table
from geotools.cli.options import (
    Settings,
    period_options,
    reading_options,
    region_options,
)
from geotools.cli.terminal import say, visible
from geotools.output import write_table
from geotools.series import series

if TYPE_CHECKING:
    from geotools.read import ReadOptions
    from geotools.regions import RegionSpec


log = logging.getLogger(__name__)


@click.command("transitions")
@click.argument("inputs", nargs=-1, required=True)
@period_options(period_help="Calendar period of each matrix.")
@click.option(
    "--matrix",
    is_flag=True,
    help="Print each period's total as a from × to matrix instead of the tidy table.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the tidy table (.csv, .parquet, .json); default: print it.",
)
@click.option("--workers", type=int, default=None, help="Worker processes (1 = serial).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the cache.")
@reading_options
@region_options
@click.pass_obj
def command(
    settings: Settings,
    inputs: tuple[str, ...],
    period: str,
    edges: list[dt.date] | None,
    start: dt.date | None,
    end: dt.date | None,
    partial: bool,
    matrix: bool,
    output: Path | None,
    workers: int | None,
    no_cache: bool,
    read: ReadOptions,
    regions: RegionSpec | None,
    region_filter: list[str] | None,
) -> None:
    """Transition matrix per period: km² from each status class to each other one.

    Classes must not overlap (a profile such as deepstate-raw makes them disjoint);
    ``unmarked`` is area in no class. Rows of a matrix sum to the class's lost km², columns
    to its gained km².
    """
    result = series(
        list(inputs),
        period=None if edges else period,
        start=start,
        end=end,
        edges=edges,
        include_partial=partial,
        options=read,
        show_progress=settings.show_progress,
        regions=regions,
        region_filter=region_filter,
        workers=workers,
        use_cache=not no_cache,
        transitions=True,
    )
    table = result.transitions
    assert table is not None
    if output is not None:
        write_table(table, output)
        log.info("wrote %s (%d rows)", output, len(table))
    if matrix or output is None:
        if not matrix:
            print_table(table)
            return
        totals = table[table["region"] == "total"]
        for (p0, p1), part in totals.groupby(["period_start", "period_end"], sort=True):
            grid = part.pivot(index="from_status", columns="to_status", values="area_km2")
            grid.index = grid.index.map(visible)  # status names come from data
            grid.columns = grid.columns.map(visible)
            click.echo(f"{p0} → {p1} (km²; rows: from, columns: to)")
            say(grid.round(3).fillna(0.0).to_string())
            click.echo("")
