"""ReadOptions: how files become Snapshots — one typed object for every reader, worker and
cache key."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from pyproj import CRS

from geotools.crs import parse_crs, wkt
from geotools.errors import UsageError
from geotools.read.dating import DatingRule, load_dating
from geotools.sources.profile import Profile, load_profile

OnDuplicate = Literal["error", "first", "last"]
_ON_DUPLICATE = ("error", "first", "last")
#: Checks a user may turn off (``allow=`` / ``--allow``), each documented in the README
#: ("What geotools assumes, and checks").
ALLOW_CHECKS = ("old-dates", "region-layer", "area-jump", "outside-region")
#: ``profile="none"``: read every polygon as one class, without source detection.
NO_PROFILE = "none"


@dataclass(frozen=True)
class ReadOptions:
    """How files become Snapshots: the reading options of the CLI, in one frozen object.

    Parameters
    ----------
    crs : the equal-area CRS areas are measured in (``--crs``); None: chosen from the data.
        A string (``"EPSG:3035"``, PROJ, WKT) is parsed.
    date_field : property holding the snapshot date (``--date-field``).
    layer : layer to read from multi-layer files (``--layer``).
    status_field : property whose values are the status classes (``--status-field``).
    status : class of every feature when there is no status field (``--status``).
    on_duplicate : ``"error"``, ``"first"`` or ``"last"`` for two files of one date.
    force_crs : accept a ``crs`` that is not equal-area (``--force-crs``).
    profile : a source profile sorting raw features into classes (``--profile``): a shipped
        name (``"deepstate-raw"``, ``"isw"``), a profile JSON file, or a Profile.
    dating : a dating rule re-dating files by the day their map shows (``--dating``): a
        shipped name (``"deepstate-daily"``, ``"deepstate-raw"``), a rule JSON file, a
        DatingRule; None or ``"file"`` keeps the file name's date (see geotools.read.dating).
    detect : with no profile and no status field, recognise the source (a shipped profile's
        ``detect`` signals) and refuse files that look like another source or a region
        layer; ``profile="none"`` (``--profile none``) turns it off.
    allow : checks turned off (``--allow``): ``old-dates`` (dates before 1990),
        ``region-layer`` (input that looks like a region layer), ``area-jump`` and
        ``outside-region`` (their warnings).
    detected : why the profile was detected (set by geotools, for ``info`` and reports).

    Examples
    --------
    >>> ReadOptions(profile="deepstate-raw").profile.name
    'deepstate-raw'
    """

    crs: CRS | None = None
    date_field: str | None = None
    layer: str | None = None
    status_field: str | None = None
    status: str = "occupied"
    on_duplicate: OnDuplicate = "error"
    force_crs: bool = False
    profile: Profile | None = None
    dating: DatingRule | None = None
    detect: bool = True
    allow: frozenset[str] = frozenset()
    detected: str = ""

    def __post_init__(self) -> None:
        crs: object = self.crs
        if isinstance(crs, str):
            object.__setattr__(self, "crs", parse_crs(crs))
        profile: object = self.profile
        if isinstance(profile, str) and profile == NO_PROFILE:
            object.__setattr__(self, "profile", None)
            object.__setattr__(self, "detect", False)
        elif isinstance(profile, (str, Path)):
            object.__setattr__(self, "profile", load_profile(profile))
        allow: object = self.allow
        if not isinstance(allow, frozenset):
            object.__setattr__(self, "allow", frozenset(str(a) for a in allow))  # type: ignore[attr-defined]
        unknown = sorted(self.allow - set(ALLOW_CHECKS))
        if unknown:
            raise UsageError(
                f"allow= (--allow) names unknown check {unknown[0]!r}; use one of "
                + ", ".join(ALLOW_CHECKS)
            )
        dating: object = self.dating
        if isinstance(dating, (str, Path)):
            object.__setattr__(self, "dating", load_dating(dating))
        if self.profile is not None and self.status_field:
            raise UsageError(
                "give either profile= (--profile) or status_field= (--status-field), not both"
            )
        if self.on_duplicate not in _ON_DUPLICATE:
            raise UsageError(
                f"on_duplicate= (--on-duplicate) is {self.on_duplicate!r}; use one of "
                + ", ".join(_ON_DUPLICATE)
            )

    @property
    def auto(self) -> bool:
        """Whether sources are detected (no profile, no status field, not ``--profile none``)."""
        return self.detect and self.profile is None and not self.status_field

    def allows(self, check: str) -> bool:
        """Whether ``check`` (one of ALLOW_CHECKS) was turned off."""
        return check in self.allow

    def with_crs(self, crs: CRS) -> ReadOptions:
        """The same options in a fixed target CRS (what a run's workers read with)."""
        return replace(self, crs=crs)

    def cache_text(self) -> str:
        """Every setting that shapes a parsed snapshot, as text: the options' part of the
        snapshot cache key (``on_duplicate``, ``date_field`` and ``dating`` choose files and
        dates, not shapes)."""
        prof = self.profile
        return "|".join(
            [
                f"profile:{prof.name}:{prof.digest}" if prof is not None else "",
                wkt(self.crs) if self.crs is not None else "auto",
                self.status_field or "",
                self.status,
                self.layer or "",
                str(self.force_crs),
                "",  # formerly an unused source-CRS override; kept so keys stay comparable
                "auto" if self.auto else ("none" if self.profile is None else ""),
                ",".join(sorted(self.allow & {"region-layer"})),
            ]
        )


def as_options(options: ReadOptions | None) -> ReadOptions:
    """``options``, or the defaults."""
    return options if options is not None else ReadOptions()
