"""`geotools demo`: the whole pipeline on a built-in scenario (or on real data)."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from geotools.cli.display import print_table
from geotools.cli.options import Settings
from geotools.demo import DEMO_CRS, self_check, write_scenario
from geotools.errors import GeotoolsError
from geotools.output import write_changes, write_table
from geotools.read import ReadOptions
from geotools.series import SeriesResult, series
from geotools.table import TOTAL

log = logging.getLogger(__name__)


@click.command("demo")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("geotools-demo"),
    show_default=True,
    help="Folder for the outputs.",
)
@click.option(
    "--data",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="Run on real snapshots (file, folder or glob) instead of the built-in scenario.",
)
@click.option(
    "--period", default=None, help="Period (default: week for the demo, month for --data)."
)
@click.pass_obj
def command(settings: Settings, out: Path, data: Path | None, period: str | None) -> None:
    """Build a synthetic front (or read --data), measure it, write table and change layer."""
    out.mkdir(parents=True, exist_ok=True)
    if data is None:
        write_scenario(out / "snapshots")  # and out / "regions.gpkg", the grid it crosses
        result = series(
            [out / "snapshots"],
            period=period or "week",
            options=ReadOptions(crs=DEMO_CRS, allow=frozenset({"area-jump"})),  # a toy front
            keep_changes=True,
            show_progress=settings.show_progress,
            regions=out / "regions.gpkg",
        )
        # the scenario's exact figures are totals: the region rows are checked against them
        # by the accounting's own invariant (regions + outside = total), not here
        worst = self_check(result.table[result.table["region"] == TOTAL])
        if worst > 1e-6:
            raise GeotoolsError(f"demo self-check failed: areas off by {worst:.3g} km²")
    else:
        result = series(
            [data],
            period=period or "month",
            keep_changes=True,
            show_progress=settings.show_progress,
        )
        worst = float("nan")
    table_path = out / ("table.csv")
    write_table(result.table, table_path)
    write_changes(result.changes, result.crs, out / "changes.gpkg")
    shown = [c for c in _SHOWN if c in result.table.columns]
    print_table(result.table[shown], title="geotools demo" if data is None else f"geotools: {data}")
    if data is None:
        click.echo(
            f"self-check: every area matches the scenario's exact figure (max error "
            f"{worst:.1e} km²)"
        )
    click.echo(f"wrote {table_path} and {out / 'changes.gpkg'}")
    label = "geotools demo scenario (synthetic)" if data is None else None
    report = write_demo_report(result, out / "report.html", label)
    click.echo(
        f"open the report (change map, timeline, charts, per-region table): {report.as_uri()}"
    )


#: The columns of the printed table (the CSV has them all).
_SHOWN = [
    "period_start",
    "period_end",
    "region",
    "region_name",
    "status",
    "area_to_km2",
    "gained_km2",
    "lost_km2",
    "net_km2",
]


def write_demo_report(result: SeriesResult, dest: Path, source_label: str | None = None) -> Path:
    """The report of the demo's run: its timeline, and the change over the whole range
    measured again from the first snapshot to the last (with the same options and regions)."""
    from geotools.render.data import from_series, gather
    from geotools.render.report import write_report

    timeline = from_series(result)
    range_data = gather(
        result.inputs,
        start=timeline.start,
        end=timeline.end,
        regions=result.regions,
        options=result.options,
        show_progress=False,
    )
    if source_label is not None:
        timeline.source_label = range_data.source_label = source_label
    write_report(timeline, range_data, dest)
    return dest.resolve()
