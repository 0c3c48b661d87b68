"""Options shared by several commands, and the per-run settings object."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from pyproj import CRS

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Settings:
    """Global flags of one invocation."""

    verbose: int = 0
    quiet: bool = False
    debug: bool = False

    @property
    def show_progress(self) -> bool | None:
        """None lets the progress bar decide (terminal or not); False silences it."""
        return False if self.quiet else None


class DateParam(click.ParamType):  # type: ignore[type-arg]
    """A YYYY-MM-DD date."""

    name = "date"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        """Parse an ISO date or fail with a usage error."""
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not a date like 2024-05-31", param, ctx)


class DateListParam(click.ParamType):  # type: ignore[type-arg]
    """A comma-separated list of YYYY-MM-DD dates."""

    name = "dates"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> list[dt.date]:
        """Parse 'D1,D2,…'."""
        if isinstance(value, list):
            return value
        out = []
        for part in str(value).split(","):
            part = part.strip()
            if not part:
                continue
            try:
                out.append(dt.date.fromisoformat(part))
            except ValueError:
                self.fail(f"{part!r} is not a date like 2024-05-31", param, ctx)
        return out


class CRSParam(click.ParamType):  # type: ignore[type-arg]
    """A CRS: EPSG:xxxx, PROJ string or WKT."""

    name = "crs"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> CRS:
        """Parse the CRS; errors become usage errors."""
        from pyproj import CRS

        from geotools.crs import parse_crs

        if isinstance(value, CRS):
            return value
        try:
            return parse_crs(str(value))
        except Exception as exc:
            self.fail(str(exc), param, ctx)


DATE = DateParam()
DATES = DateListParam()
CRS_PARAM = CRSParam()


#: The command-line names of the ReadOptions fields, as click passes them.
READING_KEYS = (
    "crs",
    "force_crs",
    "date_field",
    "layer",
    "status_field",
    "profile",
    "status",
    "on_duplicate",
    "dating",
    "allow",
)


def reading_options(func: F) -> F:
    """Options for turning files into Snapshots, converted and checked at parse time into
    one ReadOptions, passed to the command as ``read``."""

    @functools.wraps(func)
    def command(*args: Any, **kwargs: Any) -> Any:
        from geotools.read import ReadOptions

        values = {k: kwargs.pop(k) for k in READING_KEYS}
        values["allow"] = frozenset(values["allow"])
        kwargs["read"] = ReadOptions(**values)
        return func(*args, **kwargs)

    options = [
        click.option(
            "--crs",
            "crs",
            type=CRS_PARAM,
            default=None,
            help="Equal-area CRS for areas (default: LAEA centred on the data).",
        ),
        click.option(
            "--force-crs",
            is_flag=True,
            help="Use --crs even if it is not equal-area (areas will be wrong).",
        ),
        click.option(
            "--date-field",
            default=None,
            help="Property holding the snapshot date (default: file name, then "
            "date/datetime properties).",
        ),
        click.option("--layer", default=None, help="Layer to read from multi-layer files."),
        click.option(
            "--status-field",
            default=None,
            help="Property whose values are status classes (default: one class).",
        ),
        click.option(
            "--profile",
            default=None,
            help="Source profile sorting raw features into status classes: deepstate-raw, "
            "isw, or a profile .json file (see README, 'Source profiles'); default: detected "
            "from the files; 'none': every polygon is one class, no detection.",
        ),
        click.option(
            "--status",
            default="occupied",
            show_default=True,
            help="Status class of every feature when there is no --status-field.",
        ),
        click.option(
            "--allow",
            "allow",
            multiple=True,
            type=click.Choice(["old-dates", "region-layer", "area-jump", "outside-region"]),
            help="Turn off one check (repeatable): old-dates (before 1990), region-layer "
            "(input that looks like a region layer), area-jump and outside-region (warnings). "
            "See README, 'What geotools assumes, and checks'.",
        ),
        click.option(
            "--dating",
            default=None,
            metavar="RULE",
            help="How files are dated: file (the name's date, default), deepstate-daily (the "
            "flattened DeepState archive, by the day its map shows), deepstate-raw, or a rule "
            ".json file (see README, 'Dates').",
        ),
        click.option(
            "--on-duplicate",
            type=click.Choice(["error", "first", "last"]),
            default="error",
            show_default=True,
            help="What to do when two files have the same date.",
        ),
    ]
    wrapped: Any = command
    for option in reversed(options):
        wrapped = option(wrapped)
    return wrapped  # type: ignore[no-any-return]


def region_options(func: F) -> F:
    """Options for per-region accounting: ``--by`` and ``--region-field`` become one
    RegionSpec (or None), passed as ``regions``; ``--region`` as ``region_filter`` (a list,
    or None)."""

    @functools.wraps(func)
    def command(*args: Any, **kwargs: Any) -> Any:
        from geotools.regions import region_spec

        kwargs["regions"] = region_spec(kwargs.pop("by"), kwargs.pop("region_field"))
        kwargs["region_filter"] = list(kwargs.pop("region_filter")) or None
        return func(*args, **kwargs)

    options = [
        click.option(
            "--by",
            "by",
            default=None,
            help="Region layer: a polygon file, or geoboundaries:UKR:ADM1 (fetched once, "
            "cached, hash-checked).",
        ),
        click.option(
            "--region-field",
            default=None,
            help="Property naming the regions (default: shapeISO, ISO, code, name…).",
        ),
        click.option(
            "--region",
            "region_filter",
            multiple=True,
            help="Only these regions (ISO code or any name spelling); repeatable.",
        ),
    ]
    wrapped: Any = command
    for option in reversed(options):
        wrapped = option(wrapped)
    return wrapped  # type: ignore[no-any-return]


def period_options(
    *,
    default: str = "month",
    period_help: str = "Calendar period of each row (ISO weeks start on Monday).",
    edges: bool = True,
    partial: bool = True,
) -> Callable[[F], F]:
    """The period block shared by the measuring commands: ``--period`` (with ``default``),
    ``--edges`` D1,D2,… (when ``edges``), ``--start``, ``--end`` and ``--partial`` (when
    ``partial``), passed to the command under those names."""
    from geotools.periods import PERIOD_KINDS

    options = [
        click.option(
            "--period",
            type=click.Choice(PERIOD_KINDS),
            default=default,
            show_default=True,
            help=period_help,
        )
    ]
    if edges:
        options.append(
            click.option(
                "--edges",
                type=DATES,
                default=None,
                help="Explicit period edges D1,D2,… instead of --period.",
            )
        )
    options += [
        click.option("--start", type=DATE, default=None, help="First period starts here."),
        click.option("--end", type=DATE, default=None, help="Last period ends here."),
    ]
    if partial:
        options.append(
            click.option(
                "--partial",
                is_flag=True,
                help="Keep periods reaching beyond the data (flagged by dates and gap_days).",
            )
        )

    def decorate(func: F) -> F:
        wrapped: Any = func
        for option in reversed(options):
            wrapped = option(wrapped)
        return wrapped  # type: ignore[no-any-return]

    return decorate
