"""The `geotools` command group, logging set-up and the exit-code contract.

Exit codes: 0 ok, 1 data error, 2 usage error, 3 internal error, 130 interrupted (Ctrl-C),
143 terminated (SIGTERM).
Errors print one line to stderr; a traceback only with --debug.
"""

from __future__ import annotations

import atexit
import gc
import logging
import sys
from typing import NoReturn

import click

from geotools import __version__
from geotools.cli.lazy_group import LazyGroup
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


#: The commands: name → (its module, one per command in geotools/cli/, and the first paragraph
#: of its help, which `geotools --help` shows). A module is imported when its command runs
#: (LazyGroup), so the command line starts without pandas, GEOS or the renderers.
COMMANDS: dict[str, tuple[str, str]] = {
    "animate": (
        "geotools.cli.animate",
        "Animate the control area: per step the gained and lost parts, the date, running totals.",
    ),
    "chart": ("geotools.cli.chart", "Chart of the Table for snapshot files, folders or globs."),
    "compare": (
        "geotools.cli.compare",
        "Area both sources call controlled, and the area only A or only B does.",
    ),
    "demo": (
        "geotools.cli.demo",
        "Build a synthetic front (or read --data), measure it, write table and change layer.",
    ),
    "diff": (
        "geotools.cli.diff",
        "Gained, lost and net km² from BEFORE to AFTER (two snapshot files).",
    ),
    "fetch": (
        "geotools.cli.fetch",
        "Download snapshots from the public sources into a folder (incremental).",
    ),
    "front": (
        "geotools.cli.front",
        "Line of contact, its geodesic length (km) and the advance depth per period.",
    ),
    "info": (
        "geotools.cli.info",
        "Date, repairs, and per-status area (equal-area and geodesic) of snapshot files.",
    ),
    "map": (
        "geotools.cli.map",
        "Map of gained / lost polygons, control areas and net change by region (--by).",
    ),
    "places": (
        "geotools.cli.places",
        "Places whose status changed per period (or, with --at, the places in each class).",
    ),
    "regions": (
        "geotools.cli.regions",
        "List a region layer's codes, names and areas, with overlaps, gaps and unknown names.",
    ),
    "report": (
        "geotools.cli.report",
        "Report for a range: summary, change map, timeline, charts and tables.",
    ),
    "series": (
        "geotools.cli.series",
        "Table of km² gained, lost and net per period for snapshot files, folders or globs.",
    ),
    "stocks": (
        "geotools.cli.stocks",
        "Area per region and status at chosen dates, and its share of the region (--by needed).",
    ),
    "transitions": (
        "geotools.cli.transitions",
        "Transition matrix per period: km² from each status class to each other one.",
    ),
    "trend": (
        "geotools.cli.trend",
        "Per day (or --period): rolling gained / lost / net km² a day and cumulative net.",
    ),
}


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="geotools")
@click.option("-v", "--verbose", count=True, help="More detail (-v info and timings, -vv debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors; no progress bar.")
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool, debug: bool) -> None:
    """Measure how front lines move: exact km² gained, lost and net per period."""
    _configure_logging(verbose, quiet, debug)
    ctx.obj = Settings(verbose=verbose, quiet=quiet, debug=debug)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and turn every failure into one line and an exit code."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    install_sigterm()
    # issue 20: the interpreter's last garbage collection, at exit, skips the objects the
    # run made (the process ends anyway); it took ~40 ms of a one-day update
    atexit.register(gc.freeze)
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
