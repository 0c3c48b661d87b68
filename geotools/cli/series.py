"""`geotools series`: gained / lost / net per period for a folder of snapshots."""

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
from geotools.cli.render_options import chosen_status, map_flag_options
from geotools.output import (
    check_table_format,
    check_writable,
    staged,
    write_changes,
    write_table,
    write_text,
)
from geotools.series import SCHEDULERS, series

if TYPE_CHECKING:
    from geotools.read import ReadOptions
    from geotools.regions import RegionSpec


log = logging.getLogger(__name__)


@click.command("series")
@click.argument("inputs", nargs=-1, required=True)
@period_options()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the table (.csv, .parquet, .json); default: print it.",
)
@click.option(
    "--changes",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write gained/lost polygons (.gpkg, .geojson, .fgb).",
)
@click.option(
    "--map",
    "map_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write a self-contained HTML map: a timeline of the periods (see geotools map).",
)
@map_flag_options
@click.option(
    "--min-area",
    type=float,
    default=0.0,
    show_default=True,
    help="Leave polygon parts below this many km² out of --changes (never the totals).",
)
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Worker processes (default: one per core for 64 files or more; 1 = serial).",
)
@click.option(
    "--scheduler",
    type=click.Choice(SCHEDULERS),
    default=None,
    help="Where chunks run: local (default) or distributed (Dask: the cluster at --address, "
    "else a local cluster of --workers processes; needs the [dask] extra).",
)
@click.option(
    "--address",
    default=None,
    metavar="tcp://HOST:PORT",
    help="Dask scheduler to run on (implies --scheduler distributed).",
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
    output: Path | None,
    changes: Path | None,
    map_path: Path | None,
    tiles: tuple[str, ...],
    title: str | None,
    tolerance_m: float,
    min_area: float,
    workers: int | None,
    scheduler: str | None,
    address: str | None,
    no_cache: bool,
    read: ReadOptions,
    regions: RegionSpec | None,
    region_filter: list[str] | None,
) -> None:
    """Table of km² gained, lost and net per period for snapshot files, folders or globs."""
    check_table_format(output)  # before the run, not after it
    for dest in (output, changes, map_path):
        check_writable(dest)
    result = series(
        list(inputs),
        period=None if edges else period,
        start=start,
        end=end,
        edges=edges,
        include_partial=partial,
        options=read,
        keep_changes=changes is not None or map_path is not None,
        show_progress=settings.show_progress,
        regions=regions,
        region_filter=region_filter,
        workers=workers,
        use_cache=not no_cache,
        scheduler=scheduler,
        address=address,
    )
    log.info(
        "runtime %.2f s (%d snapshots, %d read, %d rows)",
        result.seconds,
        result.snapshots,
        result.snapshots_read,
        len(result.rows),
    )
    # the outputs appear together, and only when all of them were written
    with staged():
        if output is not None and output.suffix.lower() == ".csv":
            # issue 20: the CSV from the rows, without pandas (the text write_table writes)
            write_text(output, result.rows.csv_text())
            log.info("wrote %s", output)
        elif output is not None:
            write_table(result.table, output)
            log.info("wrote %s", output)
        else:
            print_table(result.table)
        if changes is not None:
            written = write_changes(result.changes, result.crs, changes, min_area)
            log.info("wrote %s (%d features)", changes, written)
        if map_path is not None:  # maps (geotools.render)
            from geotools.render.data import from_series
            from geotools.render.maps import write_map

            write_map(
                from_series(result),
                map_path,
                title=title,
                tiles=tiles,
                tolerance_m=tolerance_m,
                status=chosen_status(read),
            )
