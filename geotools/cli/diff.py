"""`geotools diff`: what was gained and lost between two snapshots."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import click

from geotools.cli.display import print_table
from geotools.cli.options import DATES, Settings, reading_options
from geotools.cli.render_options import chosen_status, map_flag_options
from geotools.errors import UsageError
from geotools.output import staged, write_changes, write_table
from geotools.periods import make_periods
from geotools.read import read_snapshots
from geotools.series import summarize

if TYPE_CHECKING:
    from geotools.read import ReadOptions


log = logging.getLogger(__name__)


@click.command("diff")
@click.argument("before", type=click.Path(path_type=Path))
@click.argument("after", type=click.Path(path_type=Path))
@click.option(
    "--dates",
    type=DATES,
    default=None,
    help="Dates of BEFORE and AFTER (D1,D2) when their names/properties have none.",
)
@click.option(
    "--changes",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write gained/lost polygons (.gpkg, .geojson, .fgb).",
)
@click.option(
    "--min-area",
    type=float,
    default=0.0,
    show_default=True,
    help="Leave polygon parts below this many km² out of --changes (never the totals).",
)
@click.option(
    "--map",
    "map_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write a self-contained HTML map of the change (see geotools map).",
)
@map_flag_options
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the table (.csv, .parquet, .json); default: print it.",
)
@reading_options
@click.pass_obj
def command(
    settings: Settings,
    before: Path,
    after: Path,
    dates: list[dt.date] | None,
    changes: Path | None,
    min_area: float,
    map_path: Path | None,
    tiles: tuple[str, ...],
    title: str | None,
    tolerance_m: float,
    output: Path | None,
    read: ReadOptions,
) -> None:
    """Gained, lost and net km² from BEFORE to AFTER (two snapshot files)."""
    if dates is not None and len(dates) != 2:
        raise UsageError("--dates needs exactly two dates: BEFORE,AFTER")
    snaps = read_snapshots([before, after], options=read, dates=dates)
    if len(snaps) != 2:
        raise UsageError("BEFORE and AFTER are the same file; give two snapshots")
    from geotools.diff import diff_snapshots

    period = make_periods([s.date for s in snaps], None, edges=[s.date for s in snaps])[0]
    result = diff_snapshots(snaps[0], snaps[1])
    table = summarize([(period, result)])
    with staged():  # the outputs appear together, only when all were written
        if output is not None:
            write_table(table, output)
        else:
            print_table(table)
        if changes is not None:
            write_changes([(period, result)], snaps[0].crs, changes, min_area)
        if map_path is not None:  # maps (geotools.render)
            from geotools.render.data import from_pair
            from geotools.render.maps import write_map

            write_map(
                from_pair(snaps[0], snaps[1], result, table),
                map_path,
                title=title,
                tiles=tiles,
                tolerance_m=tolerance_m,
                status=chosen_status(read),
            )
