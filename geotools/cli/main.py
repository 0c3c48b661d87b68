"""The `geotools` command group, logging set-up and the exit-code contract.

Exit codes: 0 ok, 1 data error, 2 usage error, 3 internal error, 130 interrupted (Ctrl-C),
143 terminated (SIGTERM).
Errors print one line to stderr; a traceback only with --debug.
"""

from __future__ import annotations

import logging
import sys
from typing import NoReturn

import click

from geotools import __version__
from geotools.cli.options import Settings
from geotools.cli.terminal import VisibleFormatter, visible
from geotools.errors import (
    EXIT_DATA,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    EXIT_USAGE,
    GeotoolsError,
)
from geotools.workers import Terminated, install_sigterm

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
    handler.setFormatter(VisibleFormatter("geotools: %(message)s"))
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
    # --- places (issue 17) ---
    from geotools.cli import places

    cli.add_command(places.command)
    # --- end places ---
    # --- trends and animation (issue 19) ---
    from geotools.cli import animate, trend

    for module in (trend, animate):
        cli.add_command(module.command)
    # --- end trends and animation ---


_register()


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and turn every failure into one line and an exit code."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    install_sigterm()
    try:
        cli.main(args=argv, prog_name="geotools", standalone_mode=False)
    except GeotoolsError as exc:
        if debug:
            raise
        click.echo(f"geotools: error: {visible(exc)}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        if debug:
            raise
        message = visible(" ".join(exc.format_message().split()))
        click.echo(f"geotools: error: {message} (see geotools --help)", err=True)
        sys.exit(EXIT_USAGE if isinstance(exc, click.UsageError) else EXIT_DATA)
    except (click.exceptions.Abort, KeyboardInterrupt) as exc:
        # click wraps Ctrl-C (and SIGTERM, raised as Terminated) in Abort
        if isinstance(exc, Terminated) or isinstance(exc.__cause__, Terminated):
            click.echo("geotools: terminated", err=True)
            sys.exit(EXIT_TERMINATED)
        click.echo("geotools: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        sys.exit(0)
    except OSError as exc:
        if debug:
            raise
        if exc.filename is None:  # no file to name: not the user's to mend
            _internal(exc)
        click.echo(f"geotools: error: {visible(os_error_line(exc))}", err=True)
        sys.exit(EXIT_DATA)
    except Exception as exc:
        if debug:
            raise
        _internal(exc)
    sys.exit(0)


def os_error_line(exc: OSError) -> str:
    """One line for a file the system refused (unreadable input, missing folder…): the path,
    what the system said, what to do."""
    name = str(exc.filename)
    reason = (exc.strerror or type(exc).__name__).lower()
    if isinstance(exc, PermissionError):
        advice = "check its permissions (this user must be able to read it, or write there)"
    elif isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        advice = "check the path"
    else:
        advice = "check the file and the disk"
    return " ".join(f"{name}: {reason}; {advice}".split())


def _internal(exc: BaseException) -> NoReturn:
    text = visible(" ".join(str(exc).split())[:300])
    click.echo(
        f"geotools: internal error: {type(exc).__name__}: {text} "
        "(rerun with --debug and report it)",
        err=True,
    )
    sys.exit(EXIT_INTERNAL)


__all__ = ["EXIT_DATA", "cli", "main"]
