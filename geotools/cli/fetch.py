"""`geotools fetch deepstate|isw|boundaries`: download public sources into a folder.

Incremental and resumable (files already there and valid are kept), polite (a delay between
requests, a User-Agent naming geotools), retrying on 429 / 5xx / timeouts; every file is
checked and written atomically. A failed download is an error (exit 1) naming it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from geotools.cli.options import DATE, Settings
from geotools.cli.terminal import say
from geotools.errors import UsageError
from geotools.fetch.http import DEFAULT_DEADLINE, DEFAULT_MAX_BYTES
from geotools.fetch.store import FetchSummary

DEST = click.argument("dest", type=click.Path(file_okay=False, path_type=Path))


def _http_options(func: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(
        [
            click.option(
                "--delay",
                type=float,
                default=1.0,
                show_default=True,
                help="Seconds between requests (be polite).",
            ),
            click.option(
                "--timeout",
                type=float,
                default=30.0,
                show_default=True,
                help="Seconds to wait for an answer.",
            ),
            click.option(
                "--deadline",
                type=click.FloatRange(min=0, min_open=True),
                default=DEFAULT_DEADLINE,
                show_default=True,
                help="Seconds one request may take in all, body included.",
            ),
            click.option(
                "--max-bytes",
                type=click.IntRange(min=1),
                default=DEFAULT_MAX_BYTES,
                show_default=True,
                help="Largest answer accepted, in bytes.",
            ),
            click.option(
                "--retries",
                type=click.IntRange(1, 20),
                default=4,
                show_default=True,
                help="Attempts per request (backoff, honouring Retry-After).",
            ),
        ]
    ):
        func = option(func)
    return func


def _report(summary: FetchSummary, dest: Path) -> None:
    say(f"{summary.line()} → {dest}")
    summary.raise_for_failures()


@click.group("fetch")
def command() -> None:
    """Download snapshots from the public sources into a folder (incremental)."""


@command.command("deepstate")
@click.option("--since", type=DATE, required=True, help="First UTC day (YYYY-MM-DD).")
@click.option("--until", type=DATE, default=None, help="Last UTC day (default: today).")
@click.option(
    "--api",
    default=None,
    help="API root (default $GEOTOOLS_DEEPSTATE_API or https://deepstatemap.live/api).",
)
@_http_options
@DEST
@click.pass_obj
def deepstate(
    settings: Settings,
    since: dt.date,
    until: dt.date | None,
    api: str | None,
    delay: float,
    timeout: float,
    deadline: float,
    max_bytes: int,
    retries: int,
    dest: Path,
) -> None:
    """DeepState map snapshots published SINCE … UNTIL, as DEST/<id>.geojson."""
    from geotools.fetch.deepstate import fetch_deepstate

    summary = fetch_deepstate(
        dest,
        since,
        until,
        api,
        delay,
        settings.show_progress,
        timeout,
        retries,
        max_bytes=max_bytes,
        deadline=deadline,
    )
    _report(summary, dest)


@command.command("isw")
@click.option(
    "--layer",
    "layers",
    multiple=True,
    metavar="NAME=PATH",
    help="Layer to fetch, e.g. RussiaCoTinUkraine=VIEW_RussiaCoTinUkraine_V3/FeatureServer/49 "
    "or NAME=https://…/FeatureServer/0 (repeatable; default: ISW's four live layers).",
)
@click.option(
    "--api",
    default=None,
    help="Services root (default $GEOTOOLS_ISW_API or ISW's ArcGIS Online services).",
)
@click.option("--page-size", type=click.IntRange(1, 32000), default=1000, show_default=True)
@_http_options
@DEST
@click.pass_obj
def isw(
    settings: Settings,
    layers: tuple[str, ...],
    api: str | None,
    page_size: int,
    delay: float,
    timeout: float,
    deadline: float,
    max_bytes: int,
    retries: int,
    dest: Path,
) -> None:
    """ISW control-of-terrain layers as they are today, as DEST/<YYYYMMDD>_<layer>.geojson."""
    from geotools.fetch.isw import fetch_isw

    chosen: dict[str, str] = {}
    for item in layers:
        name, sep, where = item.partition("=")
        if not sep or not name.strip() or not where.strip():
            raise UsageError(
                f"--layer {item!r} is not NAME=PATH; e.g. Control=VIEW_X/FeatureServer/0"
            )
        chosen[name.strip()] = where.strip()
    summary = fetch_isw(
        dest,
        chosen or None,
        api,
        delay=delay,
        page_size=page_size,
        show_progress=settings.show_progress,
        timeout=timeout,
        attempts=retries,
        max_bytes=max_bytes,
        deadline=deadline,
    )
    _report(summary, dest)


@command.command("boundaries")
@click.option(
    "--spec",
    default="geoboundaries:UKR:ADM1",
    show_default=True,
    help="geoboundaries:ISO3:ADMn[:release]",
)
@_http_options
@DEST
def boundaries(
    spec: str,
    delay: float,
    timeout: float,
    deadline: float,
    max_bytes: int,
    retries: int,
    dest: Path,
) -> None:
    """A geoBoundaries layer (default geoboundaries:UKR:ADM1), checked against its pinned
    content, copied into DEST (it is also kept in the cache for --by)."""
    from geotools.fetch.boundaries import is_spec, resolve
    from geotools.output import write_bytes

    if not is_spec(spec):
        raise UsageError(f"bad region spec {spec!r}; use geoboundaries:UKR:ADM1[:gbOpen]")
    source = resolve(
        spec,
        timeout=timeout,
        attempts=retries,
        delay=delay,
        max_bytes=max_bytes,
        deadline=deadline,
    )
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / source.name
    write_bytes(target, source.read_bytes())
    say(f"{spec} → {target}")
