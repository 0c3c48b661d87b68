"""Discovery of inputs: files, folders (their vector files) and globs, in sorted order."""

from __future__ import annotations

import glob
from collections.abc import Sequence
from pathlib import Path

from geotools.errors import DataError

#: File name endings geotools reads from a folder (others, e.g. index.csv, are ignored).
VECTOR_SUFFIXES = (
    ".geojson",
    ".json",
    ".geojson.gz",
    ".json.gz",
    ".gpkg",
    ".fgb",
    ".shp",
    ".shp.zip",
    ".zip",
    ".parquet",
    ".geoparquet",
    ".gml",
    ".sqlite",
    ".kml",
    ".kmz",
)


def is_vector(path: Path) -> bool:
    """Whether the file name has a suffix geotools reads from a folder."""
    name = path.name.lower()
    return any(name.endswith(s) for s in VECTOR_SUFFIXES)


def discover(inputs: Sequence[str | Path]) -> list[Path]:
    """Expand files, folders (their vector files, not recursive) and globs, in sorted order."""
    found: list[Path] = []
    for item in inputs:
        text = str(item)
        path = Path(text)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file() and is_vector(p))
            if not files:
                raise DataError(
                    "folder has no vector files (.geojson, .geojson.gz, .gpkg, .fgb, .shp, "
                    ".zip, .parquet…)",
                    path,
                )
            found.extend(files)
        elif path.is_file():
            found.append(path)
        elif any(ch in text for ch in "*?["):
            matches = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
            if not matches:
                raise DataError(f"no file matches the pattern {text!r}; check the path")
            found.extend(matches)
        else:
            raise DataError("no such file or folder; check the path", path)
    seen: set[Path] = set()
    unique = []
    for p in found:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique
