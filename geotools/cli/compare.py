"""`geotools compare`: where two sources agree and disagree on the controlled territory."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from geotools.cli.display import print_table
from geotools.cli.front import dates_as_text
from geotools.cli.options import Settings, reading_options, region_options
from geotools.cli.render_options import map_flag_options
from geotools.compare import compare, disagreement_frame
from geotools.errors import UsageError
from geotools.output import staged, write_layer, write_table
from geotools.sources.profile import load_profile

if TYPE_CHECKING:
    from geotools.read import ReadOptions
    from geotools.regions import RegionSpec


log = logging.getLogger(__name__)


@click.command("compare")
@click.argument("source_a")
@click.argument("source_b")
@click.option(
    "--tolerance-days",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Pair dates up to this many days apart (nearest date of the other source).",
)
@click.option(
    "--names",
    default=None,
    help="Labels of the two sources, A,B (default: their file or folder names).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the table (.csv, .parquet, .json); default: print it.",
)
@click.option(
    "--disagreement",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the only-A / only-B / both polygons (.gpkg, .geojson, .fgb).",
)
@click.option(
    "--map",
    "map_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write a self-contained HTML map of the disagreement (only A, only B, both; a "
    "slider over the date pairs when there are several).",
)
@map_flag_options
@click.option(
    "--profile-b",
    default=None,
    help="Profile for SOURCE_B when it differs from --profile (e.g. --profile deepstate-raw "
    "--profile-b isw).",
)
@reading_options
@region_options
@click.pass_obj
def command(
    settings: Settings,
    source_a: str,
    source_b: str,
    tolerance_days: int,
    names: str | None,
    output: Path | None,
    disagreement: Path | None,
    map_path: Path | None,
    tolerance_m: float,
    tiles: tuple[str, ...],
    title: str | None,
    profile_b: str | None,
    read: ReadOptions,
    regions: RegionSpec | None,
    region_filter: list[str] | None,
) -> None:
    """Area both sources call controlled, and the area only A or only B does.

    SOURCE_A and SOURCE_B are each a file, a folder or a quoted glob; dates are paired within
    --tolerance-days.
    """
    labels = None
    if names is not None:
        parts = [p.strip() for p in names.split(",")]
        if len(parts) != 2 or not all(parts):
            raise UsageError(f"--names {names!r} needs two labels: A,B")
        labels = (parts[0], parts[1])
    result = compare(
        [source_a],
        [source_b],
        regions=regions,
        tolerance_days=tolerance_days,
        labels=labels,
        options=read,
        options_b=replace(read, profile=load_profile(profile_b)) if profile_b else None,
        region_filter=region_filter,
        show_progress=settings.show_progress,
    )
    log.info(
        "%d date pairs compared; %d dates of A and %d of B without a partner",
        len(result.comparisons),
        result.unmatched_a,
        result.unmatched_b,
    )
    # issue 18: pairs whose disagreement is an outlier of the run (a stale file?)
    wild = result.series()
    for row in wild[wild["outlier"]].itertuples():
        log.warning(
            "%s %s vs %s %s: disagreement %.3f km² is an outlier of this run (median %.3f km²); "
            "is one of the files stale?",
            row.source_a,
            row.date_a,
            row.source_b,
            row.date_b,
            row.disagreement_km2,
            float(wild["disagreement_km2"].median()),
        )
    table = dates_as_text(result.table, ("date_a", "date_b"))
    with staged():  # the outputs appear together, only when all were written
        if output is not None:
            write_table(table, output)
        else:
            print_table(table)
        if disagreement is not None:
            write_layer(disagreement_frame(result.comparisons), disagreement, layer="disagreement")
        if map_path is not None:
            from geotools.render.compare_map import write_compare_map

            size = write_compare_map(
                result, map_path, title=title, tiles=tiles, tolerance_m=tolerance_m
            )
            log.info(
                "wrote %s (%.2f MB, %d date pairs)", map_path, size / 1e6, len(result.comparisons)
            )
