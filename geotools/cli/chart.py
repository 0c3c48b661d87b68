"""`geotools chart`: area over time, change per period, or change by region (PNG/SVG/PDF)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from geotools.cli.options import Settings, reading_options, region_options
from geotools.cli.render_options import chosen_status, range_options, run_options, source_option
from geotools.errors import OutputError, UsageError
from geotools.render.style import CHART_FORMATS, CHART_KINDS

if TYPE_CHECKING:
    from geotools.read import ReadOptions
    from geotools.regions import RegionSpec


log = logging.getLogger(__name__)


@click.command("chart")
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The image to write (.png, .svg or .pdf).",
)
@click.option(
    "--kind",
    type=click.Choice(CHART_KINDS),
    default="change",
    show_default=True,
    help="area: held over time; change: gained/lost/net per period; regions: per region "
    "(--by) for one status class: --status, default occupied or else the first class; "
    "rate: km² a day with the rolling net pace (--window); cumulative: since the start.",
)
@click.option(
    "--window",
    type=click.IntRange(min=1),
    default=None,
    help="--kind rate: rolling window in days (default 30 for daily periods, 28 for weekly, "
    "else three periods).",
)
@click.option("--title", default=None, help="Chart title.")
@source_option
@range_options
@run_options
@reading_options
@region_options
@click.pass_obj
def command(
    settings: Settings,
    /,
    inputs: tuple[str, ...],
    output: Path,
    kind: str,
    window: int | None,
    title: str | None,
    start: Any,
    end: Any,
    period: str,
    workers: int | None,
    no_cache: bool,
    regions: RegionSpec | None,
    region_filter: list[str] | None,
    read: ReadOptions,
    source_label: str | None,
) -> None:
    """Chart of the Table for snapshot files, folders or globs.

    With --kind regions, --status picks the class charted (default: occupied, else the
    first class, as the map's choropleth).
    """
    from geotools.read import resolve_refs, settle
    from geotools.render.charts import make_chart, write_chart
    from geotools.render.data import SNAPSHOT, snapshot_edges
    from geotools.series import series

    if output.suffix.lower() not in CHART_FORMATS:  # before measuring anything
        raise OutputError(f"unknown chart format {output.suffix!r}; use .png, .svg or .pdf", output)
    if kind == "regions" and regions is None:
        raise UsageError("--kind regions needs a region layer: --by REGIONS_FILE")
    edges = None
    if period == SNAPSHOT:
        read = settle(list(inputs), read, use_cache=not no_cache)
        refs = resolve_refs(list(inputs), options=read)
        edges = snapshot_edges([r.date for r in refs], start, end)
    result = series(
        list(inputs),
        period=None if edges else period,
        edges=edges,
        start=start,
        end=end,
        options=read,
        show_progress=settings.show_progress,
        regions=regions,
        region_filter=region_filter,
        workers=workers,
        use_cache=not no_cache,
    )
    from geotools.render.context import credit_text, describe_inputs, profile_source, table_dates

    source = source_label or profile_source(read.profile)
    source = source or ", ".join(describe_inputs(list(inputs), result.refs))
    footer = credit_text(source, table_dates(result.table), result.crs)
    chart = make_chart(
        result.table, kind, title, status=chosen_status(read), window=window, footer=footer
    )
    write_chart(chart, output)
    log.info("wrote %s", output)
