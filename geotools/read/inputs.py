"""Discovery of inputs: files, folders (their vector files) and globs, in sorted order."""

from __future__ import annotations

import glob
import os
import stat
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


class Discovered(list[Path]):
    """What :func:`discover` found: given to it again, returned as it is (a run discovers its
    inputs once for detection and dating)."""


def discover(inputs: Sequence[str | Path]) -> list[Path]:
    """Expand files, folders (their vector files, not recursive) and globs, in sorted order."""
    # --- issue 20: found once; a regular file (a shell's glob gives hundreds) in one lstat ---
    if isinstance(inputs, Discovered):
        return inputs
    regular: set[int] = set()  # indexes in ``found`` of files known to be no link
    # --- end ---
    found: list[Path] = []
    for item in inputs:
        text = str(item)
        # --- issue 20 ---
        try:
            mode = os.lstat(text).st_mode
        except OSError:
            mode = 0
        if stat.S_ISREG(mode):
            path = item if isinstance(item, Path) else Path(text)
            if not os.access(text, os.R_OK):
                raise DataError("cannot be read (permission denied); fix its permissions", path)
            regular.add(len(found))
            found.append(path)
            continue
        # --- end ---
        path = Path(text)
        if path.is_dir():
            files = sorted(_folder_files(path))
            if not files:
                raise DataError(
                    "folder has no vector files (.geojson, .geojson.gz, .gpkg, .fgb, .shp, "
                    ".zip, .parquet…)",
                    path,
                )
            found.extend(files)
        elif path.is_file() or path.is_symlink():
            found.append(_checked(path))
        elif any(ch in text for ch in "*?["):
            matches = sorted(
                _checked(Path(p)) for p in glob.glob(text, recursive=True) if not Path(p).is_dir()
            )
            if not matches:
                raise DataError(f"no file matches the pattern {text!r}; check the path")
            found.extend(matches)
        else:
            raise DataError("no such file or folder; check the path", path)
    seen: set[str] = set()
    unique = []
    folders: dict[Path, str] = {}
    for i, p in enumerate(found):
        key = _real(p, folders, i in regular)
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return Discovered(unique)


def _real(path: Path, folders: dict[Path, str], regular: bool = False) -> str:
    """The real path of a file, as ``Path.resolve`` gives it; a file that is no link is its
    resolved folder's (each folder resolved once: realpath stats every part of a path, which
    was a tenth of a daily update's time on 769 files; issue 20); ``regular``: known to be
    no link."""
    if not regular and path.is_symlink():
        return os.path.realpath(path)
    folder = folders.get(path.parent)
    if folder is None:
        folder = folders[path.parent] = os.path.realpath(path.parent)
    return os.path.join(folder, path.name)


def _folder_files(folder: Path) -> list[Path]:
    """A folder's vector files, each checked (see _checked); os.scandir tells regular files
    from the rest without a stat per file, so only links and odd entries cost more."""
    out = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if not is_vector(Path(entry.name)):
                continue
            path = folder / entry.name
            if entry.is_file(follow_symlinks=False):
                if not os.access(entry.path, os.R_OK):
                    raise DataError("cannot be read (permission denied); fix its permissions", path)
                out.append(path)
            else:
                out.append(_checked(path))
    return out


def _checked(path: Path) -> Path:
    """``path`` when it is a readable regular file; DataError naming it otherwise (a broken
    link, a folder or a device named like a vector file, a file that cannot be read), so a
    folder never loses a snapshot without a word."""
    if path.is_symlink() and not path.exists():
        raise DataError("is a broken symbolic link; fix or remove it", path)
    if not path.is_file():
        raise DataError(
            "is not a regular file (a folder, device or pipe named like a vector file); "
            "remove it from the input folder",
            path,
        )
    if not os.access(path, os.R_OK):
        raise DataError("cannot be read (permission denied); fix its permissions", path)
    return path
