"""`geotools animate`: the front moving, one frame per period, as a GIF, MP4 or WebM."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from geotools.cli.options import Settings, period_options, reading_options, region_options
from geotools.cli.render_options import chosen_status, place_options, run_options
from geotools.errors import UsageError

if TYPE_CHECKING:
    from geotools.read import ReadOptions
    from geotools.regions import RegionSpec


log = logging.getLogger(__name__)


@click.command("animate")
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The animation to write (.gif, .mp4 or .webm).",
)
@period_options(default="day", period_help="One frame per period.", edges=False, partial=False)
@click.option(
    "--bbox",
    default=None,
    help="The area shown: W,S,E,N in degrees (default: the --region chosen, else all).",
)
@click.option("--fps", type=click.FloatRange(min=0.1, max=60), default=6.0, show_default=True)
@click.option(
    "--size", default="1280x720", show_default=True, help="Frame size WIDTHxHEIGHT (even pixels)."
)
@click.option(
    "--hold-last",
    type=click.FloatRange(min=0),
    default=2.0,
    show_default=True,
    help="Seconds the last frame stays.",
)
@click.option("--title", default=None, help="Title shown on every frame.")
@place_options
@run_options
@reading_options
@region_options
@click.pass_obj
def command(
    settings: Settings,
    /,
    inputs: tuple[str, ...],
    output: Path,
    period: str,
    start: Any,
    end: Any,
    bbox: str | None,
    fps: float,
    size: str,
    hold_last: float,
    title: str | None,
    places: str | None,
    min_population: float | None,
    workers: int | None,
    no_cache: bool,
    regions: RegionSpec | None,
    region_filter: list[str] | None,
    read: ReadOptions,
) -> None:
    """Animate the control area: per step the gained and lost parts, the date, running totals.

    --status picks the class whose totals are shown (default occupied, else the first).
    --places labels the biggest places in view and rings, for 1.5 s, each place that enters or
    leaves that class, naming it under the totals.
    """
    from geotools.render.animate import (
        animation_format,
        collect,
        parse_bbox,
        parse_size,
        write_animation,
    )

    began = time.perf_counter()
    animation_format(output)  # before measuring anything
    frame_size = parse_size(size)
    box = parse_bbox(bbox) if bbox else None
    if region_filter and regions is None:
        raise UsageError("--region needs a region layer: --by REGIONS_FILE")
    if min_population is not None and not places:
        raise UsageError("--min-population needs --places")
    layer = None
    if places:  # read before measuring: a bad places file fails at once
        from geotools.places import load_places

        layer = load_places(None if places == "default" else places, min_population=min_population)
    frames = collect(
        list(inputs),
        period=period,
        start=start,
        end=end,
        regions=regions,
        region_filter=region_filter,
        read=read,
        show_progress=settings.show_progress,
        workers=workers,
        use_cache=not no_cache,
    )
    result = write_animation(
        frames,
        output,
        fps=fps,
        size=frame_size,
        hold_last=hold_last,
        bbox=box,
        title=title,
        status=chosen_status(read),
        read=read,
        show_progress=settings.show_progress,
        use_cache=not no_cache,
        places=layer,
    )
    log.info(
        "wrote %s: %d frames (%s … %s) in %.1f s",
        output,
        result.frames,
        result.dates[0],
        result.dates[-1],
        time.perf_counter() - began,
    )
