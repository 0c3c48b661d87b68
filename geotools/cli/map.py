"""`geotools map`: a self-contained HTML map of one period's change, or a timeline."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from geotools.cli.options import Settings, reading_options, region_options
from geotools.cli.render_options import (
    chosen_status,
    map_options,
    place_options,
    range_options,
    run_options,
    simplify_option,
    source_option,
)

if TYPE_CHECKING:
    from geotools.read import ReadOptions
    from geotools.regions import RegionSpec


log = logging.getLogger(__name__)


@click.command("map")
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The HTML file to write.",
)
@click.option(
    "--timeline",
    is_flag=True,
    help="One step per --period with a time slider (default: one change, start → end).",
)
@simplify_option
@source_option
@place_options
@range_options
@map_options
@run_options
@reading_options
@region_options
@click.pass_obj
def command(
    settings: Settings,
    /,
    inputs: tuple[str, ...],
    output: Path,
    timeline: bool,
    tolerance_m: float,
    start: Any,
    end: Any,
    period: str,
    tiles: tuple[str, ...],
    title: str | None,
    workers: int | None,
    no_cache: bool,
    regions: RegionSpec | None,
    region_filter: list[str] | None,
    read: ReadOptions,
    places: str | None,
    min_population: float | None,
    source_label: str | None,
) -> None:
    """Map of gained / lost polygons, control areas and net change by region (--by)."""
    from geotools.render.data import gather
    from geotools.render.maps import write_map

    data = gather(
        list(inputs),
        start=start,
        end=end,
        period=period if timeline else None,
        regions=regions,
        region_filter=region_filter,
        options=read,
        show_progress=settings.show_progress,
        workers=workers,
        use_cache=not no_cache,
    )
    if source_label:
        data.source_label = source_label
    overlay = None
    if places:  # places (issue 17): labels, search, the places that changed per step
        from geotools.render.places_layer import place_overlay

        edges = [s.period.start for s in data.steps] + [data.steps[-1].period.end]
        overlay = place_overlay(
            edges,
            list(inputs),
            read,
            places=places,
            min_population=min_population,
            regions=regions,
            crs=data.crs,
            use_cache=not no_cache,
            workers=workers,
            show_progress=settings.show_progress,
        )
    size = write_map(
        data,
        output,
        title=title,
        tiles=tiles,
        tolerance_m=tolerance_m,
        status=chosen_status(read),
        places=overlay,
    )
    log.info("wrote %s (%.2f MB, %d periods)", output, size / 1e6, len(data.steps))
