"""What every map, chart and report says about where its figures come from: the source, the
snapshot dates and the equal-area CRS the areas were measured in (issue 18, point 2).

The source is ``--source-label`` when given, else the reading profile's source, else a
description of the inputs that does not read like a cadence ("files in daily/", not "daily").
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from pyproj import CRS

if TYPE_CHECKING:
    from geotools.compare import CompareResult
    from geotools.read import SnapshotRef
    from geotools.render.data import MapData
    from geotools.sources.profile import Profile

#: The publisher behind each shipped profile (a profile file of one's own: its description).
PROFILE_SOURCES = {
    "deepstate-raw": "DeepState (deepstatemap.live)",
    "isw": "ISW / Critical Threats",
}


def profile_source(profile: Profile | None) -> str | None:
    """The source a reading profile stands for, or None without a profile."""
    if profile is None:
        return None
    known = PROFILE_SOURCES.get(profile.name)
    if known:
        return known
    first = profile.description.split(".")[0].split(":")[0].strip()
    return first[:80] or f"profile {profile.name}"


def describe_inputs(
    inputs: Sequence[str | Path | SnapshotRef], refs: Sequence[SnapshotRef] = ()
) -> list[str]:
    """Each input in a reader's words: a file by its name, a folder as "N files in NAME/"
    (a folder called "daily" is a name, not the cadence of the timeline)."""
    from geotools.read import SnapshotRef

    out = []
    for item in inputs:
        path = item.path if isinstance(item, SnapshotRef) else Path(item)
        if path.is_dir():
            n = sum(1 for r in refs if path.resolve() in Path(r.path).resolve().parents)
            files = f"{n} files" if n else "files"
            out.append(f"{files} in {path.name or path}/")
        else:
            out.append(path.name or str(path))
    return out


def short_crs(crs: CRS) -> str:
    """The CRS named briefly: its EPSG name and code, or its projection and centre."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = describe_crs(crs)
    return text.split(" (+", 1)[0]


def snapshot_dates(data: MapData) -> list[dt.date]:
    """The dates of the snapshots the map's figures come from (each period's two ends)."""
    days = {d for s in data.steps for d in (s.period.from_date, s.period.to_date)}
    return sorted(days)


def source_text(data: MapData) -> str:
    """The source: the label given or found, else the inputs described."""
    if data.source_label:
        return data.source_label
    inputs = ", ".join(data.sources[:2]) + (" …" if len(data.sources) > 2 else "")
    return inputs or "unnamed input"


def table_dates(table: pd.DataFrame) -> list[dt.date]:
    """The dates of the snapshots a Table's rows were measured on."""
    days = set(table["from_date"]) | set(table["to_date"]) if len(table) else set()
    return sorted(d for d in days if not pd.isna(d))


def dates_text(days: Sequence[dt.date]) -> str:
    """'snapshots 2024-11-01 … 2024-12-01 (31)' or 'snapshots 2024-11-01 and 2024-12-01'."""
    if len(days) == 2:
        return f"snapshots {days[0].isoformat()} and {days[1].isoformat()}"
    if not days:
        return "no snapshots"
    return f"snapshots {days[0].isoformat()} … {days[-1].isoformat()} ({len(days)})"


def credit_text(source: str, days: Sequence[dt.date], crs: CRS | None) -> str:
    """'Source: X · snapshots A … B (n) · areas in CRS (equal-area)' (plain text)."""
    text = f"Source: {source} · {dates_text(days)}"
    return text + (f" · areas in {short_crs(crs)} (equal-area)" if crs is not None else "")


def credit_line(data: MapData) -> str:
    """One line naming the source, the snapshot dates and the equal-area CRS (plain text)."""
    return credit_text(source_text(data), snapshot_dates(data), data.crs)


def compare_credit(result: CompareResult) -> str:
    """The credit line of a comparison map: both sources, the dates of both sides, the CRS."""
    comps = result.comparisons
    days = sorted({c.a.date for c in comps} | {c.b.date for c in comps})
    sources = f"{comps[0].label_a} vs {comps[0].label_b}" if comps else "none"
    return credit_text(sources, days, result.crs).replace("Source:", "Sources:", 1)


_CENTRE_LAT = (
    "Latitude of natural origin",
    "Latitude of projection centre",
    "Latitude of origin",
    "Latitude of false origin",
)
_CENTRE_LON = (
    "Longitude of natural origin",
    "Longitude of projection centre",
    "Longitude of origin",
    "Longitude of false origin",
)


def _degrees(value: float, pos: str, neg: str) -> str:
    return f"{abs(value):g}°{pos if value >= 0 else neg}"


def describe_crs(crs: CRS) -> str:
    """The CRS in a reader's words: its EPSG name and code, or its projection, centre and PROJ
    string (the default equal-area CRS is a custom LAEA whose name is only 'unknown')."""
    code = crs.to_epsg()
    if code is not None:  # a match may not carry the name (a PROJ string of EPSG:6933)
        name = crs.name if crs.name != "unknown" else CRS.from_epsg(code).name
        return f"{name} (EPSG:{code})"
    op = crs.coordinate_operation
    if op is None:
        return crs.name
    first, *rest = op.method_name.split()
    words = " ".join([first, *(w.lower() for w in rest)]).replace("equal area", "equal-area")
    params = {p.name: float(p.value) for p in op.params if isinstance(p.value, int | float)}
    lat = next((params[k] for k in _CENTRE_LAT if k in params), None)
    lon = next((params[k] for k in _CENTRE_LON if k in params), None)
    if lat is not None and lon is not None:
        words += f", centre {_degrees(lat, 'N', 'S')} {_degrees(lon, 'E', 'W')}"
    if crs.name and crs.name != "unknown":
        words = f"{crs.name}: {words}"
    with warnings.catch_warnings():  # "you will likely lose information": it is a label here
        warnings.simplefilter("ignore")
        proj = crs.to_proj4()
    if proj:
        proj = " ".join(t for t in proj.split() if t not in ("+no_defs", "+type=crs"))
        words += f" ({proj})"
    return words
