"""The `geotools` command group, logging set-up and the exit-code contract.

Exit codes: 0 ok, 1 data error, 2 usage error, 3 internal error, 130 interrupted.
Errors print one line to stderr; a traceback only with --debug.
"""

from __future__ import annotations

import logging
import sys

import click

from geotools import __version__
from geotools.cli.options import Settings
from geotools.errors import EXIT_DATA, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, GeotoolsError

log = logging.getLogger("geotools")


def _configure_logging(verbose: int, quiet: bool, debug: bool) -> None:
    level = logging.WARNING
    if quiet:
        level = logging.ERROR
    if verbose == 1:
        level = logging.INFO
    if verbose >= 2 or debug:
        level = logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("geotools: %(message)s"))
    root = logging.getLogger("geotools")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    # Library warnings (GDAL's "non closed ring", NaN in WKB…) become -v log lines: the
    # one-line error or repair report says what matters, and stderr stays one line.
    logging.captureWarnings(True)
    pywarn = logging.getLogger("py.warnings")
    pywarn.handlers[:] = [handler]
    pywarn.setLevel(logging.INFO if verbose >= 1 or debug else logging.ERROR)
    pywarn.propagate = False


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="geotools")
@click.option("-v", "--verbose", count=True, help="More detail (-v info and timings, -vv debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors; no progress bar.")
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool, debug: bool) -> None:
    """Measure how front lines move: exact km² gained, lost and net per period."""
    _configure_logging(verbose, quiet, debug)
    ctx.obj = Settings(verbose=verbose, quiet=quiet, debug=debug)


def _register() -> None:
    from geotools.cli import demo, diff, info, regions, series, stocks, transitions

    for module in (series, diff, transitions, stocks, regions, info, demo):
        cli.add_command(module.command)
    # --- front line and source comparison (issue 9) ---
    from geotools.cli import compare, front

    for module in (front, compare):
        cli.add_command(module.command)
    # --- fetch (issue 4, parts 5): the `geotools fetch …` group ---
    from geotools.cli import fetch

    cli.add_command(fetch.command)
    # --- end fetch ---
    # --- maps, charts, report (geotools.render) ---
    from geotools.cli import chart, report
    from geotools.cli import map as map_command

    for module in (map_command, chart, report):
        cli.add_command(module.command)
    # --- end maps, charts, report ---
    # --- trends and animation (issue 19) ---
    from geotools.cli import animate, trend

    for module in (trend, animate):
        cli.add_command(module.command)
    # --- end trends and animation ---


_register()


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and turn every failure into one line and an exit code."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="geotools", standalone_mode=False)
    except GeotoolsError as exc:
        if debug:
            raise
        click.echo(f"geotools: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        if debug:
            raise
        message = " ".join(exc.format_message().split())
        click.echo(f"geotools: error: {message} (see geotools --help)", err=True)
        sys.exit(EXIT_USAGE if isinstance(exc, click.UsageError) else EXIT_DATA)
    except click.exceptions.Abort:
        click.echo("geotools: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        click.echo("geotools: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:
        if debug:
            raise
        text = " ".join(str(exc).split())[:300]
        click.echo(
            f"geotools: internal error: {type(exc).__name__}: {text} "
            "(rerun with --debug and report it)",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)
    sys.exit(0)


__all__ = ["EXIT_DATA", "cli", "main"]
