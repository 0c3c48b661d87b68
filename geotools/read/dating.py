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

import datetime as dt
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geotools.errors import DateError, UsageError

if TYPE_CHECKING:
    from geotools.read.ref import SnapshotRef

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
    #: With Unix-second names: a publication before this UTC hour shows the day before.
    late_before_hour_utc: int | None = None

    def period_of(self, named: dt.date) -> DatingPeriod | None:
        """The period covering a file-name date, or None."""
        return next((p for p in self.periods if p.covers(named)), None)


def _rules_folder() -> Traversable:
    return resources.files("geotools.shapes").joinpath("dating")


def available() -> list[str]:
    """Names of the shipped dating rules, ``file`` first."""
    folder = _rules_folder()
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
    item = _rules_folder().joinpath(f"{name}.json")
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
        late = doc.get("late_before_hour_utc")
        return DatingRule(
            str(doc["name"]),
            str(doc.get("description", "")),
            periods,
            None if late is None else int(late),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageError(
            f"dating rule {where} is malformed ({exc}); see shapes/dating/deepstate-daily.json"
        ) from exc


def _published(ref: SnapshotRef) -> dt.datetime | None:
    """The publication time of a file named by Unix seconds (DeepState's history ids)."""
    stem = ref.path.name.split(".")[0]
    if not (stem.isdigit() and len(stem) in (9, 10)):
        return None
    return dt.datetime.fromtimestamp(int(stem), tz=dt.timezone.utc)


def shown_day(rule: DatingRule, ref: SnapshotRef) -> tuple[dt.date, str] | None:
    """The day whose evening map a file holds under ``rule``, and why (None: not covered)."""
    named = ref.date
    period = rule.period_of(named)
    if period is None:
        return None
    lag = period.shows_days_before
    why = f"file name {named.isoformat()}, dating {rule.name}: file D holds the map of "
    why += f"the evening of D-{lag}" if lag else "the evening of D"
    published = _published(ref) if rule.late_before_hour_utc is not None else None
    if published is not None and published.hour < (rule.late_before_hour_utc or 0):
        lag += 1
        why = (
            f"file name {named.isoformat()}, dating {rule.name}: published "
            f"{published:%H:%M} UTC, before {rule.late_before_hour_utc}:00, so the map of "
            "the evening before"
        )
    shown = named - dt.timedelta(days=lag)
    return shown, f"{why} ({shown.isoformat()}), the control at 00:00 UTC of the next day"


def apply_dating(
    refs: Sequence[SnapshotRef], spec: str | Path | DatingRule | None
) -> list[SnapshotRef]:
    """Refs re-dated by a rule (``file`` / None: unchanged): date = the day shown + 1.

    Only dates taken from file names are re-dated; a file dated otherwise, or named outside
    the rule's periods, is a DateError. Where the rule gives two files of different names one
    date (the first file of a longer lag shows the map its predecessor showed; a late
    publication repeats the evening before), the later name is kept and the other logged.
    """
    rule = load_dating(spec)
    if rule is None:
        return list(refs)
    dated: list[tuple[tuple[dt.date, str], SnapshotRef]] = []  # (name order, re-dated ref)
    for ref in refs:
        if ref.date_origin != "file name":
            raise DateError(
                f"is dated by {ref.date_origin}, but dating rule {rule.name!r} dates file "
                "names; leave out --dating or rename the file",
                ref.path,
            )
        found = shown_day(rule, ref)
        if found is None:
            raise DateError(
                f"name date {ref.date.isoformat()} is outside every period of dating rule "
                f"{rule.name!r}; leave out --dating or extend the rule",
                ref.path,
            )
        shown, why = found
        date = shown + dt.timedelta(days=1)
        dated.append(((ref.date, ref.path.name), replace(ref, date=date, date_origin=why)))
    # Files sharing a name date stay for on_duplicate; files the rule brought together do not.
    latest: dict[dt.date, dt.date] = {}
    for (named, _), ref in dated:
        latest[ref.date] = max(named, latest.get(ref.date, named))
    kept = []
    for (named, name), ref in dated:
        if named < latest[ref.date]:
            log.info(
                "dating %s: %s shows the same day as a file named %s (both dated %s); "
                "keeping the later",
                rule.name,
                name,
                latest[ref.date],
                ref.date,
            )
            continue
        kept.append(ref)
    return kept
