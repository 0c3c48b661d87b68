"""`geotools report`: one HTML file with maps, charts and tables for a range."""

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


@click.command("report")
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The HTML file to write.",
)
@click.option(
    "--chart-format",
    type=click.Choice(["svg", "png"]),
    default="svg",
    show_default=True,
    help="How charts are embedded.",
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
    chart_format: str,
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
    """Report for a range: summary, change map, timeline, charts and tables.

    --status picks the class of the per-region chart and of the choropleth shown first.
    """
    from geotools.render.data import gather
    from geotools.render.report import write_report

    common: dict[str, Any] = {
        "regions": regions,
        "region_filter": region_filter,
        "options": read,
        "show_progress": settings.show_progress,
        "workers": workers,
        "use_cache": not no_cache,
    }
    range_data = gather(list(inputs), start=start, end=end, **common)
    timeline = gather(
        list(inputs), start=range_data.start, end=range_data.end, period=period, **common
    )
    if source_label:
        range_data.source_label = timeline.source_label = source_label
    overlay = None
    if places:  # places (issue 17): the changes of the timeline's periods
        from geotools.render.places_layer import place_overlay

        edges = [s.period.start for s in timeline.steps] + [timeline.steps[-1].period.end]
        overlay = place_overlay(
            edges,
            list(inputs),
            read,
            places=places,
            min_population=min_population,
            regions=common["regions"],
            crs=timeline.crs,
            use_cache=not no_cache,
            workers=workers,
            show_progress=settings.show_progress,
        )
    size = write_report(
        timeline,
        range_data,
        output,
        title=title,
        tiles=tiles,
        chart_format=chart_format,
        tolerance_m=tolerance_m,
        status=chosen_status(read),
        places=overlay,
    )
    log.info("wrote %s (%.2f MB)", output, size / 1e6)
