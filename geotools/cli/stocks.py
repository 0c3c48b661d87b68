"""`geotools stocks`: area under each status per region at chosen dates, with shares."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click

from geotools.cli.display import print_table
from geotools.cli.options import DATES, Settings, reading_options, region_options
from geotools.errors import UsageError
from geotools.output import write_table
from geotools.periods import PERIOD_KINDS
from geotools.stocks import stocks

if TYPE_CHECKING:
    from geotools.read import ReadOptions
    from geotools.regions import RegionSpec


@click.command("stocks")
@click.argument("inputs", nargs=-1, required=True)
@click.option("--at", type=DATES, default=None, help="Dates D1,D2,… (the latest snapshot ≤ each).")
@click.option(
    "--period",
    type=click.Choice([*PERIOD_KINDS, "snapshot"]),
    default="month",
    show_default=True,
    help="Dates at these period edges; 'snapshot' = every file.",
)
@click.option(
    "--denominator",
    type=click.Choice(["land", "boundary"]),
    default="land",
    show_default=True,
    help="Share of the region's land area, or of its boundary polygon.",
)
@click.option(
    "--land",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Land polygons for --denominator land (default: shipped Natural Earth 10m).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the table (.csv, .parquet, .json); default: print it.",
)
@reading_options
@region_options
@click.pass_obj
def command(
    settings: Settings,
    inputs: tuple[str, ...],
    at: list[dt.date] | None,
    period: str,
    denominator: str,
    land: str | None,
    output: Path | None,
    read: ReadOptions,
    regions: RegionSpec | None,
    region_filter: list[str] | None,
) -> None:
    """Area per region and status at chosen dates, and its share of the region (--by needed)."""
    if regions is None:
        raise UsageError("stocks needs a region layer: --by REGIONS_FILE")
    table = stocks(
        list(inputs),
        regions=regions,
        options=read,
        at=at,
        period=None if period == "snapshot" else period,
        denominator=denominator,  # type: ignore[arg-type]
        land=land,
        region_filter=region_filter,
        show_progress=settings.show_progress,
    )
    if output is not None:
        write_table(table, output)
    else:
        print_table(table)
