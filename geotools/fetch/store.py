"""What a fetcher keeps: checked FeatureCollections, written atomically, and a run summary.

A download counts only once it parses as a FeatureCollection holding at least one polygon;
it is then written under a temporary name and renamed, so a file in the destination folder is
always whole, and one that fails the check is never kept.
"""

from __future__ import annotations

import contextlib
import gzip
import logging
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geotools.errors import DataError
from geotools.fetch.http import loads
from geotools.output import write_bytes

log = logging.getLogger(__name__)

POLYGON_TYPES = {"Polygon", "MultiPolygon"}
#: A temporary (``.NAME.xxxx.tmp.geojson``, see output.atomic_path) older than this was left
#: by a run that was killed; younger ones may belong to a run still going.
STALE_TEMP_SECONDS = 3600.0


def _has_polygon(geometry: Any) -> bool:
    if not isinstance(geometry, dict):
        return False
    kind = geometry.get("type")
    if kind in POLYGON_TYPES:
        return bool(geometry.get("coordinates"))
    if kind == "GeometryCollection":
        return any(_has_polygon(g) for g in geometry.get("geometries") or [])
    return False


def check_collection(doc: Any, source: str) -> dict[str, Any]:
    """``doc`` itself if it is a FeatureCollection with ≥ 1 polygon, else a DataError."""
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        kind = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise DataError(
            f"answered with JSON that is not a FeatureCollection (type {kind!r}); "
            "the API may have changed: check the URL",
            source,
        )
    features = doc.get("features")
    if not isinstance(features, list):
        raise DataError("FeatureCollection has no features list; retry later", source)
    if not any(isinstance(f, dict) and _has_polygon(f.get("geometry")) for f in features):
        raise DataError(
            f"FeatureCollection has no polygons ({len(features)} features); "
            "not a control map: check the URL or retry later",
            source,
        )
    return doc


def parse_json(body: bytes, source: str) -> Any:
    """Parse a downloaded body; DataError for an error page or a truncated download."""
    try:
        return loads(body)
    except DataError as exc:  # nested too deeply
        raise DataError(str(exc), source) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        start = body[:60].decode("utf-8", "replace").strip().replace("\n", " ")
        what = "an HTML page" if start.lstrip().startswith("<") else f"invalid JSON ({exc})"
        raise DataError(
            f"download is {what}, not GeoJSON (truncated, or an error page); "
            "nothing was written: retry later",
            source,
        ) from exc


def is_valid_file(path: Path) -> bool:
    """True when ``path`` exists and holds a FeatureCollection with polygons (gunzipped
    first when its name ends in .gz)."""
    if not path.is_file():
        return False
    try:
        body = path.read_bytes()
        if path.name.lower().endswith(".gz"):
            body = gzip.decompress(body)
        check_collection(parse_json(body, str(path)), str(path))
    except (DataError, OSError, EOFError, zlib.error):  # bad header: OSError; cut: EOFError
        return False
    return True


def already_there(target: Path) -> Path | None:
    """The valid file that stands for ``target``: itself, or ``target`` + ``.gz`` (archives
    such as the shared data keep snapshots gzipped); None when neither is valid."""
    for path in (target, target.with_name(target.name + ".gz")):
        if is_valid_file(path):
            return path
    return None


def sweep_temporaries(folder: Path) -> int:
    """Remove the temporaries a killed run left in ``folder``; returns how many."""
    now = time.time()
    removed = 0
    for path in folder.glob(".*.tmp.geojson"):
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime > STALE_TEMP_SECONDS:
                path.unlink()
                removed += 1
    if removed:
        log.info("removed %d temporaries left by an interrupted run in %s", removed, folder)
    return removed


def save(dest: Path, body: bytes) -> None:
    """Write a checked download atomically (temporary name, fsync, rename)."""
    write_bytes(dest, body)


@dataclass
class FetchSummary:
    """What one fetch run did: files written, files already there, and failures."""

    fetched: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (what, one-line error)

    def line(self) -> str:
        """One line for the terminal."""
        return (
            f"fetched {len(self.fetched)}, already there {len(self.skipped)}, "
            f"failed {len(self.failed)}"
        )

    def raise_for_failures(self) -> None:
        """DataError naming the first failure when any download failed."""
        if self.failed:
            _, error = self.failed[0]
            more = f" (and {len(self.failed) - 1} more)" if len(self.failed) > 1 else ""
            raise DataError(
                f"{len(self.failed)} download(s) failed{more}; first: {error} — "
                f"{self.line()}; rerun the same command to resume"
            )
