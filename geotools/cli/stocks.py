"""`geotools stocks`: area under each status per region at chosen dates, with shares."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from pyproj import CRS

from geotools.cli.display import print_table
from geotools.cli.options import DATES, Settings, reading_options, region_options, region_spec
from geotools.errors import UsageError
from geotools.output import write_table
from geotools.periods import PERIOD_KINDS
from geotools.stocks import stocks


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
    crs: CRS | None,
    force_crs: bool,
    date_field: str | None,
    layer: str | None,
    status_field: str | None,
    profile: str | None,
    status: str,
    on_duplicate: str,
    by: str | None,
    region_field: str | None,
    region_filter: tuple[str, ...],
) -> None:
    """Area per region and status at chosen dates, and its share of the region (--by needed)."""
    spec = region_spec(by, region_field)
    if spec is None:
        raise UsageError("stocks needs a region layer: --by REGIONS_FILE")
    table = stocks(
        list(inputs),
        spec,
        at=at,
        period=None if period == "snapshot" else period,
        denominator=denominator,  # type: ignore[arg-type]
        land=land,
        crs=crs,
        date_field=date_field,
        layer_name=layer,
        status_field=status_field,
        profile=profile,
        status=status,
        on_duplicate=on_duplicate,  # type: ignore[arg-type]
        force_crs=force_crs,
        region_filter=list(region_filter) or None,
        show_progress=settings.show_progress,
    )
    if output is not None:
        write_table(table, output)
    else:
        print_table(table)
