"""Dating a set of inputs: discovery, each file's date (and a dating rule), duplicates."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from geotools.errors import DateError, UsageError
from geotools.read.dates import resolve_date
from geotools.read.dating import apply_dating
from geotools.read.files import stem
from geotools.read.inputs import discover
from geotools.read.options import ReadOptions, as_options
from geotools.read.ref import SnapshotRef

log = logging.getLogger(__name__)

_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})[-_]?(\d{2})[-_]?(\d{2})(?!\d)|^\d{9,10}$")
#: Dates before this are an error (a Unix time of 0 is 1970-01-01), unless allowed.
EARLIEST = dt.date(1990, 1, 1)


def resolve_refs(
    inputs: Sequence[str | Path],
    /,
    *,
    options: ReadOptions | None = None,
    dates: Sequence[dt.date] | None = None,
    today: dt.date | None = None,
) -> list[SnapshotRef]:
    """Discover files and date them; sorted by date, two files of one date handled by
    ``options.on_duplicate``.

    ``dates`` gives one date per discovered file (in sorted order) instead of finding them.
    """
    opts = as_options(options)
    date_field, layer, on_duplicate = opts.date_field, opts.layer, opts.on_duplicate
    paths = discover(inputs)
    if dates is not None and len(dates) != len(paths):
        raise UsageError(f"{len(dates)} dates given for {len(paths)} files; give one date per file")
    today = today or dt.datetime.now(dt.timezone.utc).date()
    refs: list[SnapshotRef] = []
    for i, path in enumerate(paths):
        date, origin = resolve_date(path, dates[i] if dates else None, date_field, layer)
        if date > today + dt.timedelta(days=1):
            raise DateError(
                f"date {date.isoformat()} (from {origin}) is in the future; "
                "fix the date in the file name or property",
                path,
            )
        if date < EARLIEST and not opts.allows("old-dates"):
            raise DateError(
                f"date {date.isoformat()} (from {origin}) is before {EARLIEST.year}: probably "
                "a zero or missing timestamp; fix the date, or pass --allow old-dates",
                path,
            )
        refs.append(SnapshotRef(path=path, date=date, date_origin=origin, layer=layer))
    refs = apply_dating(refs, opts.dating)  # a dating rule (read.dating); None: unchanged
    by_date: dict[dt.date, list[SnapshotRef]] = {}
    for ref in refs:
        by_date.setdefault(ref.date, []).append(ref)
    layered = opts.profile is not None and opts.profile.layered
    chosen: list[SnapshotRef] = []
    for date in sorted(by_date):
        group = by_date[date]
        if layered:  # one file per layer: the layers of a date are one snapshot
            layers: dict[str, list[SnapshotRef]] = {}
            for ref in group:
                layers.setdefault(_layer_class(opts, ref.path), []).append(ref)
            kept = [_one(same, date, on_duplicate, f"layer {key}") for key, same in layers.items()]
            chosen.append(replace(kept[0], parts=tuple(r.path for r in kept[1:])))
        else:
            chosen.append(_one(group, date, on_duplicate, None))
    return chosen


def _layer_class(options: ReadOptions, path: Path) -> str:
    """The class a layered source's file name gives its features ("" when its features are
    classified by their properties): two files of one date and one such class are copies."""
    profile = options.profile
    assert profile is not None
    (record,) = profile.records({}, 1, path.name, stem(path))
    rule = next((r for r in profile.rules if r.matches(record)), None)
    return rule.status if rule is not None else ""


def layer_key(path: Path) -> str:
    """What names a file's layer: its name without the date and the suffixes
    (``20220911_RussianAssessedCoTinUkraine.geojson.gz`` → ``RussianAssessedCoTinUkraine``)."""
    name = stem(path)
    name = _DATE_IN_NAME.sub("", name)
    return name.strip("_- .").lower()


def _one(
    group: list[SnapshotRef], date: dt.date, on_duplicate: str, what: str | None
) -> SnapshotRef:
    """The one file of ``group`` (files of one date, and one layer) that is kept."""
    if len(group) == 1:
        return group[0]
    names = ", ".join(str(r.path) for r in group)
    of = f" and {what}" if what else ""
    if on_duplicate == "error":
        different = len({layer_key(r.path) for r in group}) > 1
        hint = (
            "if they are layers of one snapshot (one file per layer, as ISW ships), read them "
            "with their source's --profile (e.g. isw), which reads them together; if they are "
            "copies of one snapshot, keep one or pass --on-duplicate first|last"
            if different
            else "keep one, or pass --on-duplicate first|last"
        )
        raise DateError(
            f"{len(group)} files have the date {date.isoformat()}{of} ({names}); {hint}"
        )
    keep = group[0] if on_duplicate == "first" else group[-1]
    log.warning(
        "%d files dated %s%s; keeping %s (--on-duplicate %s)",
        len(group),
        date,
        of,
        keep.path,
        on_duplicate,
    )
    return keep
