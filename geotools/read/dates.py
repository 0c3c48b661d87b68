"""Dates of snapshot files: from an argument, a named property, the file name, a wrapper's
``datetime``, or a common date property (in that order)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import numpy as np

from geotools.errors import DateError, GeotoolsError
from geotools.read.files import is_geojson, is_kml, is_zip, read_error
from geotools.read.gdal import gdal_column
from geotools.read.geojson import geojson_wrapper
from geotools.read.raw import read_fields, read_raw

DATE_PROPERTY_CANDIDATES = ("date", "datetime", "snapshot_date", "date_utc", "timestamp", "time")

_NAME_DATE = re.compile(r"(?<!\d)(\d{4})[-_]?(\d{2})[-_]?(\d{2})(?!\d)")
_NAME_UNIX = re.compile(r"^(\d{9,10})$")


def date_from_name(path: str | Path) -> dt.date | None:
    """The date in a file name (YYYYMMDD, YYYY-MM-DD, YYYY_MM_DD, Unix seconds), else None."""
    name = Path(path).name
    stem = name.split(".")[0]
    unix = _NAME_UNIX.match(stem)
    if unix:
        seconds = int(unix.group(1))
        return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc).date()
    for m in _NAME_DATE.finditer(name):
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            continue
    return None


def parse_date(value: Any) -> dt.date | None:
    """Parse one date value: ISO string, date/datetime, pandas Timestamp, or epoch s / ms."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, dt.datetime):
        moment: dt.datetime = value
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.timezone.utc)
        return moment.date()
    if isinstance(value, dt.date):
        return value
    # issue 20: pandas only to parse a date, not with the reading package
    import pandas as pd

    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).date()
    if isinstance(value, (int, np.integer, float, np.floating)):
        number = float(value)
        seconds = number / 1000.0 if number > 1e11 else number  # epoch ms (ArcGIS) or seconds
        return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc).date()
    text = str(value).strip()
    if not text:
        return None
    if text.isdigit() and len(text) in (9, 10, 12, 13):
        return parse_date(int(text))
    try:
        stamp = pd.Timestamp(text)
    except (ValueError, TypeError):
        return None
    if pd.isna(stamp):
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC")
    return dt.date(stamp.year, stamp.month, stamp.day)


def date_from_properties(
    path: Path, layer: str | None, field: str | None
) -> tuple[dt.date, str] | None:
    """The one date the features carry in ``field`` (or a common date property), with its
    origin; None when there is no such property (DateError when ``field`` was named)."""
    checked = is_kml(path) or (layer is None and is_zip(path))  # through the safety checks
    try:
        fields = read_fields(path, layer)
    except GeotoolsError:
        raise
    except Exception as exc:
        raise read_error(path, exc) from exc
    if field is not None:
        if field not in fields:
            raise DateError(
                f"has no property {field!r} (properties: {', '.join(fields) or 'none'}); "
                "check --date-field",
                path,
            )
        candidates = [field]
    else:
        lower = {f.lower(): f for f in fields}
        candidates = [lower[c] for c in DATE_PROPERTY_CANDIDATES if c in lower]
        if not candidates:
            return None
    name = candidates[0]
    if checked:
        values = read_raw(path, layer, [name]).attributes[name]
    else:
        values = gdal_column(path, layer, name)
    dates = {d for d in (parse_date(v) for v in values) if d is not None}
    if not dates:
        if field is not None:
            raise DateError(f"property {field!r} holds no parseable date; check --date-field", path)
        return None
    if len(dates) > 1:
        span = f"{min(dates)} … {max(dates)}"
        raise DateError(
            f"features carry {len(dates)} different dates in {name!r} ({span}); "
            "one file is one snapshot: split it or pass --date",
            path,
        )
    return dates.pop(), f"property {name}"


def resolve_date(
    path: Path,
    date: dt.date | None = None,
    date_field: str | None = None,
    layer: str | None = None,
) -> tuple[dt.date, str]:
    """Find the date a file stands for; DateError naming the file if there is none."""
    if date is not None:
        return date, "argument"
    if date_field is not None:
        found = date_from_properties(path, layer, date_field)
        assert found is not None  # an explicit field either yields a date or raises
        return found
    named = date_from_name(path)
    if named is not None:
        return named, "file name"
    if layer is None and is_geojson(path):
        doc = geojson_wrapper(path)
        if doc is not None:
            when = parse_date(doc.get("datetime")) or parse_date(doc.get("id"))
            if when is None:
                raise DateError(
                    'the snapshot\'s "datetime" is missing or unreadable; '
                    "pass the date with --date",
                    path,
                )
            return when, "snapshot datetime"
    found = date_from_properties(path, layer, None)
    if found is not None:
        return found
    raise DateError(
        "no date: the name has no YYYYMMDD / YYYY-MM-DD and no date property was found; "
        "put the date in the file name, or name the property holding it with --date-field",
        path,
    )
