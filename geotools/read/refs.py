"""Dating a set of inputs: discovery, each file's date (and a dating rule), duplicates."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path

from geotools.errors import DateError, UsageError
from geotools.read.dates import resolve_date
from geotools.read.dating import apply_dating
from geotools.read.inputs import discover
from geotools.read.options import ReadOptions
from geotools.read.ref import SnapshotRef

log = logging.getLogger(__name__)


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
    opts = options if options is not None else ReadOptions()
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
        refs.append(SnapshotRef(path=path, date=date, date_origin=origin, layer=layer))
    refs = apply_dating(refs, opts.dating)  # a dating rule (read.dating); None: unchanged
    by_date: dict[dt.date, list[SnapshotRef]] = {}
    for ref in refs:
        by_date.setdefault(ref.date, []).append(ref)
    chosen: list[SnapshotRef] = []
    for date in sorted(by_date):
        group = by_date[date]
        if len(group) > 1:
            if on_duplicate == "error":
                names = ", ".join(str(r.path) for r in group)
                raise DateError(
                    f"{len(group)} files have the date {date.isoformat()} ({names}); "
                    "keep one, or pass --on-duplicate first|last"
                )
            keep = group[0] if on_duplicate == "first" else group[-1]
            log.warning(
                "%d files dated %s; keeping %s (--on-duplicate %s)",
                len(group),
                date,
                keep.path,
                on_duplicate,
            )
            chosen.append(keep)
        else:
            chosen.append(group[0])
    return chosen
