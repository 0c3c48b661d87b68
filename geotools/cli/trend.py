"""`geotools trend`: km² a day, rolling pace over day windows, cumulative net, projections."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from geotools.cli.display import print_table
from geotools.cli.options import Settings, period_options, reading_options, region_options
from geotools.cli.render_options import run_options
from geotools.errors import UsageError
from geotools.output import write_table

if TYPE_CHECKING:
    from geotools.read import ReadOptions
    from geotools.regions import RegionSpec


log = logging.getLogger(__name__)


@click.command("trend")
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "--window",
    "window_text",
    default="7,30",
    show_default=True,
    help="Rolling windows in days, comma-separated (the pace of --pace-of uses each).",
)
@period_options(
    default="day",
    period_help="Length of the Table's periods (windows are sums of whole periods).",
    edges=False,
    partial=False,
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the trend table (.csv, .parquet, .json); default: print its last rows.",
)
@click.option(
    "--pace-of",
    "pace_of",
    multiple=True,
    help="Project, for these regions (code or name; needs --by), when the rest would be "
    "taken at the rolling net pace; repeatable.",
)
@click.option(
    "--projection",
    "projection_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the projection table (.csv, .parquet, .json).",
)
@click.option(
    "--denominator",
    type=click.Choice(["land", "boundary"]),
    default="land",
    show_default=True,
    help="Projection: measure the region and the area held on land only, or within the "
    "region polygons as they are (see stocks).",
)
@run_options
@reading_options
@region_options
@click.pass_obj
def command(
    settings: Settings,
    /,
    inputs: tuple[str, ...],
    window_text: str,
    period: str,
    start: Any,
    end: Any,
    output: Path | None,
    pace_of: tuple[str, ...],
    projection_path: Path | None,
    denominator: str,
    workers: int | None,
    no_cache: bool,
    regions: RegionSpec | None,
    region_filter: list[str] | None,
    read: ReadOptions,
) -> None:
    """Per day (or --period): rolling gained / lost / net km² a day and cumulative net.

    Rolling rates divide by the days between the snapshots a window compares (span_days),
    so gap days lower no rate. With --pace-of REGION --by REGIONS: the area not yet held,
    the pace and the date the rest would be taken at that pace (none when it is ≤ 0).
    """
    from geotools.regions import select_codes
    from geotools.series import series
    from geotools.stocks import stocks
    from geotools.trends import CAVEAT, parse_windows, project, trend

    windows = parse_windows(window_text)
    if pace_of and regions is None:
        raise UsageError("--pace-of needs a region layer: --by REGIONS_FILE")
    if projection_path is not None and not pace_of:
        raise UsageError("--projection needs --pace-of REGION")
    spec = regions
    keep = list(region_filter or []) + list(pace_of)
    result = series(
        list(inputs),
        options=read,
        period=period,
        start=start,
        end=end,
        show_progress=settings.show_progress,
        regions=spec,
        region_filter=keep or None,
        workers=workers,
        use_cache=not no_cache,
    )
    table = trend(result.table, windows)
    if output is not None:
        write_table(table, output)
        log.info("wrote %s (%d rows)", output, len(table))
    elif not pace_of:  # the last date, its net pace per window (-o writes every column)
        last = table[table["date"] == table["date"].max()]
        shown = ["region", "status", "net_km2_per_day", "cumulative_net_km2"]
        shown += [c for w in windows for c in (f"net_km2_per_day_{w}d", f"span_days_{w}d")]
        print_table(last[shown], title=f"Trend at {last['date'].iloc[0]} (km² a day)")
    if not pace_of or spec is None:
        return
    last_date = table["to_date"].max()
    held = stocks(
        list(inputs),
        options=result.options,
        regions=spec,
        at=[last_date],
        denominator="land" if denominator == "land" else "boundary",
        show_progress=settings.show_progress,
    )
    layer = spec.build(result.crs) if result.crs is not None else None
    codes = sorted(select_codes(layer, list(pace_of))) if layer is not None else list(pace_of)
    frames = [project(table, held, w, regions=codes) for w in windows]
    import pandas as pd

    projection = pd.concat(frames, ignore_index=True)
    if projection_path is not None:
        write_table(projection, projection_path)
        log.info("wrote %s", projection_path)
    print_table(projection, title=f"At the pace of the last {window_text} days")
    click.echo(f"Caveat: {CAVEAT}.")
