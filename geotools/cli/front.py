"""`geotools front`: the line of contact, its length, and how far gains push it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click
import pandas as pd

from geotools.advance import DEFAULT_STEP_KM
from geotools.cli.display import print_table
from geotools.cli.options import (
    Settings,
    period_options,
    reading_options,
    region_options,
)
from geotools.front import front
from geotools.frontline import DEFAULT_TOLERANCE_KM
from geotools.output import staged, write_layer, write_table


def dates_as_text(table: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """A copy with the named date columns as ISO text (for every table format alike)."""
    out = table.copy()
    for col in columns:
        if col in out.columns:
            out[col] = out[col].map(lambda d: d.isoformat() if d is not None else None)
    return out


if TYPE_CHECKING:
    from geotools.read import ReadOptions
    from geotools.regions import RegionSpec


@click.command("front")
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "--outline",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Country outline (polygon file); default: the union of the --by regions.",
)
@click.option(
    "--land",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Land polygons clipping the outline (default: shipped Natural Earth 10m).",
)
@click.option(
    "--tolerance-km",
    type=float,
    default=DEFAULT_TOLERANCE_KM,
    show_default=True,
    help="Control boundary within this distance of the border or coast is not front.",
)
@click.option(
    "--step-km",
    type=float,
    default=DEFAULT_STEP_KM,
    show_default=True,
    help="Spacing of the points where advance depth is sampled.",
)
@click.option(
    "--front-status",
    multiple=True,
    help="Status classes whose union is the controlled territory (default: all); repeatable.",
)
@period_options(period_help="Calendar period of each advance row.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the advance table (one snapshot: the length table); default: print it.",
)
@click.option(
    "--lengths",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the front length per date and region (.csv, .parquet, .json).",
)
@click.option(
    "--lines",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the lines of contact per date and region (.gpkg, .geojson, .fgb).",
)
@reading_options
@region_options
@click.pass_obj
def command(
    settings: Settings,
    inputs: tuple[str, ...],
    outline: str | None,
    land: str | None,
    tolerance_km: float,
    step_km: float,
    front_status: tuple[str, ...],
    period: str,
    edges: list[dt.date] | None,
    start: dt.date | None,
    end: dt.date | None,
    partial: bool,
    output: Path | None,
    lengths: Path | None,
    lines: Path | None,
    read: ReadOptions,
    regions: RegionSpec | None,
    region_filter: list[str] | None,
) -> None:
    """Line of contact, its geodesic length (km) and the advance depth per period."""
    result = front(
        list(inputs),
        options=read,
        regions=regions,
        outline=outline,
        land=land,
        tolerance_km=tolerance_km,
        step_km=step_km,
        period=period,
        start=start,
        end=end,
        edges=edges,
        include_partial=partial,
        statuses=list(front_status) or None,
        region_filter=region_filter,
        show_progress=settings.show_progress,
    )
    table = result.lengths if len(result.lines) == 1 else result.advance
    with staged():  # the outputs appear together, only when all were written
        if lengths is not None:
            write_table(result.lengths, lengths)
        if output is not None:
            write_table(table, output)
        else:
            print_table(table)
        if lines is not None:
            frame = result.lines_frame()
            if region_filter:
                frame = frame[frame["region"].isin(set(result.lengths["region"]))]
            write_layer(frame, lines, layer="front_lines")
