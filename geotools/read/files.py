"""File plumbing shared by the format readers: the path GDAL opens (gzip, zip, names with
';'), a file's bytes (gunzipped), and read errors worded for the user."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import cast

from geotools.errors import DataError

KML_SUFFIXES = (".kml", ".kmz")
GEOJSON_SUFFIXES = (".geojson", ".json", ".geojson.gz", ".json.gz")


def is_kml(path: Path) -> bool:
    """Whether the file is KML or KMZ (read through the KML safety checks)."""
    return path.name.lower().endswith(KML_SUFFIXES)


def is_geojson(path: Path) -> bool:
    """Whether the file name says GeoJSON (also gzipped)."""
    return path.name.lower().endswith(GEOJSON_SUFFIXES)


def is_parquet(path: Path) -> bool:
    """Whether the file name says (Geo)Parquet."""
    return path.name.lower().endswith((".parquet", ".geoparquet"))


def gdal_path(path: Path) -> str:
    """The path GDAL should open: gzip through /vsigzip/, zip archives through /vsizip/ once
    they pass the archive checks (zip-slip, size and ratio caps, honest headers: GDAL has no
    zip-bomb limits of its own; DataError otherwise)."""
    if is_zip(path):
        from geotools.read.archive import check_archive

        check_archive(path)  # cached per file state: cheap on the second layer of a zip
    return vsi_path(path)


LINKS: dict[Path, Path] = {}


def plain_name(path: Path) -> Path:
    """``path``, or a link to it with a plain name when its name holds ';': pyogrio parses a
    path as a URL, whose last segment ends at ';' ("a;b.gpkg" would open "a"). The links live
    in a temporary folder removed when the process exits."""
    if ";" not in path.name or not path.exists():
        return path
    link = LINKS.get(path)
    if link is None:
        import hashlib

        digest = hashlib.sha1(str(path).encode()).hexdigest()[:16]
        suffix = "".join(s for s in path.suffixes[-2:] if ";" not in s)
        link = links_folder() / f"{digest}{suffix}"
        link.symlink_to(path.resolve())
        LINKS[path] = link
    return link


@functools.cache
def links_folder() -> Path:
    """A temporary folder for ``plain_name``'s links, removed when the process exits."""
    import atexit
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="geotools-links-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def vsi_path(path: Path) -> str:
    """The GDAL path of a file: gzip through /vsigzip/, zip through /vsizip/ (no checks)."""
    path = plain_name(path)
    name = path.name.lower()
    if name.endswith(".gz"):
        return f"/vsigzip/{path}"
    if name.endswith(".zip"):
        return f"/vsizip/{path}"
    return str(path)


def is_zip(path: Path) -> bool:
    """Whether the file name says zip."""
    return path.name.lower().endswith(".zip")


def read_error(path: Path, exc: Exception) -> DataError:
    """GDAL's failure on a file, worded for the user (empty, not gzip, not a vector file)."""
    detail = str(exc).split(";")[0].split("\n")[0]
    link = LINKS.get(path, path)
    for noise in (vsi_path(path), str(path), str(link), "/vsigzip/", "/vsizip/"):
        detail = detail.replace(noise, "")
    detail = detail.strip(" :'")
    if path.exists() and path.stat().st_size == 0:
        return DataError("file is empty (0 bytes); re-download or remove it", path)
    if path.name.lower().endswith(".gz") and path.exists():
        with open(path, "rb") as fh:
            if fh.read(2) != b"\x1f\x8b":
                return DataError(
                    "is named .gz but is not gzip data; rename it without .gz or re-download it",
                    path,
                )
    return DataError(
        f"cannot read as a vector file ({detail[:160]}); check that it is a complete "
        "GeoJSON / GeoPackage / FlatGeobuf / Shapefile and not an error page or truncated",
        path,
    )


def read_bytes(path: Path) -> bytes | None:
    """A file's bytes, gunzipped when its name ends in .gz; None when unreadable (GDAL then
    reads it and words the error)."""
    try:
        data = path.read_bytes()
        return gunzip(data) if path.name.lower().endswith(".gz") else data
    except GUNZIP_ERRORS:
        return None


def gunzip_errors() -> tuple[type[BaseException], ...]:
    """What a damaged gzip stream can raise, with ISA-L's error when it is installed."""
    import zlib

    errors: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error)
    try:
        from isal import isal_zlib
    except ImportError:
        return errors
    return (*errors, cast("type[BaseException]", isal_zlib.error))


#: What a damaged gzip stream raises (bad header: OSError; cut short: EOFError; corrupt
#: deflate data: zlib's or ISA-L's error).
GUNZIP_ERRORS = gunzip_errors()


def gunzip(data: bytes) -> bytes:
    """gzip.decompress, through ISA-L when installed (2.6× faster on the archive's files)."""
    try:
        from isal.igzip import decompress
    except ImportError:
        import gzip

        return gzip.decompress(data)
    return bytes(decompress(data))  # type: ignore[no-untyped-call]


def stem(path: Path) -> str:
    """The file name without its vector suffixes (a layer name for profiles)."""
    name = path.name
    for suffix in (".gz", ".geojson", ".json", ".gpkg", ".fgb", ".shp", ".zip", ".kmz", ".kml"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name
