"""Dating rules: which day a file's map shows, when a source's file names say something else.

A geotools date D means the control at 00:00 UTC of D (the map published on the evening of
D−1): the period rule ``[t0, t1)`` = S(t1) − S(t0) takes that meaning. Most files are dated by
their names and need no rule. The flattened DeepState archive names a file by the day it was
fetched (about 03:00 UTC), and how far its map lags the fetch changed over time; a dating rule
(``shapes/dating/<name>.json``) says, per period of file-name dates, how many days before the
name the map shows (``shows_days_before``), and why. A rule is only ever applied when asked
for (``dating=`` / ``--dating``); ``file`` (the default) keeps the name's date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geotools.errors import DateError, UsageError

if TYPE_CHECKING:
    from geotools.io import SnapshotRef

log = logging.getLogger(__name__)

#: The rule that keeps the file name's date (the default).
FILE_DATING = "file"


@dataclass(frozen=True)
class DatingPeriod:
    """File-name dates ``first``..``last`` (inclusive; None = open) and the map's lag."""

    first: dt.date | None
    last: dt.date | None
    shows_days_before: int
    evidence: str = ""

    def covers(self, named: dt.date) -> bool:
        """Whether a file named ``named`` falls in this period."""
        return (self.first is None or named >= self.first) and (
            self.last is None or named <= self.last
        )


@dataclass(frozen=True)
class DatingRule:
    """A named set of DatingPeriods for the file-name dates of one source."""

    name: str
    description: str
    periods: tuple[DatingPeriod, ...]

    def period_of(self, named: dt.date) -> DatingPeriod | None:
        """The period covering a file-name date, or None."""
        return next((p for p in self.periods if p.covers(named)), None)

    def shown_day(self, named: dt.date) -> dt.date | None:
        """The day whose evening map a file named ``named`` holds (None: no period covers it)."""
        period = self.period_of(named)
        return None if period is None else named - dt.timedelta(days=period.shows_days_before)

    def date_of(self, named: dt.date) -> dt.date | None:
        """The geotools date (control at 00:00 UTC) of a file named ``named``: shown day + 1."""
        shown = self.shown_day(named)
        return None if shown is None else shown + dt.timedelta(days=1)


def available() -> list[str]:
    """Names of the shipped dating rules, ``file`` first."""
    folder = resources.files("geotools.shapes").joinpath("dating")
    names = sorted(p.name[: -len(".json")] for p in folder.iterdir() if p.name.endswith(".json"))
    return [FILE_DATING, *names]


def load_dating(spec: str | Path | DatingRule | None) -> DatingRule | None:
    """A shipped rule by name (``deepstate-daily``), a rule JSON file, or None for ``file``."""
    if spec is None or isinstance(spec, DatingRule):
        return spec
    if str(spec) == FILE_DATING:
        return None
    path = Path(spec)
    if path.suffix.lower() == ".json" or path.exists():
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise UsageError(
                f"cannot read dating rule {path}: {exc.strerror}; check --dating"
            ) from exc
        return _parse(text, str(path))
    return _shipped(str(spec))


@lru_cache(maxsize=8)
def _shipped(name: str) -> DatingRule:
    item = resources.files("geotools.shapes").joinpath("dating", f"{name}.json")
    if not item.is_file():
        raise UsageError(
            f"unknown dating rule {name!r}; use one of {', '.join(available())} "
            "or a rule .json file (--dating)"
        )
    return _parse(item.read_text("utf-8"), name)


def _day(value: Any) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(str(value))


def _parse(text: str, where: str) -> DatingRule:
    try:
        doc = json.loads(text)
        periods = tuple(
            DatingPeriod(
                first=_day(p.get("from")),
                last=_day(p.get("until")),
                shows_days_before=int(p["shows_days_before"]),
                evidence=str(p.get("evidence", "")),
            )
            for p in doc["periods"]
        )
        if not periods:
            raise ValueError("no periods")
        return DatingRule(str(doc["name"]), str(doc.get("description", "")), periods)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageError(
            f"dating rule {where} is malformed ({exc}); see shapes/dating/deepstate-daily.json"
        ) from exc


def describe(rule: DatingRule, named: dt.date) -> str:
    """The ``date_origin`` text of a file dated by ``rule``: name, rule, shown day."""
    period = rule.period_of(named)
    assert period is not None
    shown = named - dt.timedelta(days=period.shows_days_before)
    return (
        f"file name {named.isoformat()}, dating {rule.name}: file D shows the map of "
        f"D-{period.shows_days_before} ({shown.isoformat()})"
    )


def apply_dating(
    refs: Sequence[SnapshotRef], spec: str | Path | DatingRule | None
) -> list[SnapshotRef]:
    """Refs re-dated by a rule (``file`` / None: unchanged).

    Only dates taken from file names are re-dated; a file dated otherwise, or named outside
    the rule's periods, is a DateError. Where a change of lag gives two files one date (the
    first file of a longer lag shows the map its predecessor showed), the later file is kept.
    """
    rule = load_dating(spec)
    if rule is None:
        return list(refs)
    dated: list[tuple[dt.date, SnapshotRef]] = []  # (name date, re-dated ref)
    for ref in refs:
        if ref.date_origin != "file name":
            raise DateError(
                f"is dated by {ref.date_origin}, but dating rule {rule.name!r} dates file "
                "names; leave out --dating or rename the file",
                ref.path,
            )
        date = rule.date_of(ref.date)
        if date is None:
            raise DateError(
                f"name date {ref.date.isoformat()} is outside every period of dating rule "
                f"{rule.name!r}; leave out --dating or extend the rule",
                ref.path,
            )
        dated.append(
            (ref.date, dataclasses.replace(ref, date=date, date_origin=describe(rule, ref.date)))
        )
    # Files sharing a name date stay for on_duplicate; files the rule brought together do not.
    latest_name: dict[dt.date, dt.date] = {}
    for named, ref in dated:
        latest_name[ref.date] = max(named, latest_name.get(ref.date, named))
    kept = []
    for named, ref in dated:
        if named < latest_name[ref.date]:
            log.info(
                "dating %s: %s shows the same day (%s) as the file named %s; keeping the later",
                rule.name,
                ref.path.name,
                ref.date,
                latest_name[ref.date],
            )
            continue
        kept.append(ref)
    return kept
