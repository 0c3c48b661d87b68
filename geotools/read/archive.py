"""Safe zip archives (KMZ, zipped shapefiles): names, sizes and compression ratios checked on
the bytes themselves before anything else decompresses them.

The sizes in a zip's headers are not trusted: each entry is decompressed here, in chunks, from
its local header on, and what counts is the output actually produced and the compressed bytes
actually consumed. An entry whose name is absolute or climbs out with ``..`` is refused
(zip-slip); so is an archive past the size cap, an entry past the ratio cap (once it has
produced ``RATIO_FLOOR_BYTES``), and one whose content does not match its header (size or
CRC: damaged or forged). Zipped shapefiles are checked whole before GDAL opens them through
``/vsizip/`` (GDAL has no such caps); a KMZ's KML entry is read through the same checks.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from geotools.errors import DataError

#: Most bytes an archive may decompress to (all the entries read, together).
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
#: Highest compression ratio accepted for an entry (KML text compresses about 5–20:1, a
#: shapefile's .shp 1–3:1 and its space-padded .dbf up to about 50:1; deflate tops at 1032:1).
MAX_COMPRESSION_RATIO = 100
#: Below this many decompressed bytes the ratio is not judged (tiny files compress oddly).
RATIO_FLOOR_BYTES = 1024 * 1024

_CHUNK = 1024 * 1024  # most output bytes per decompression step
_READ = 64 * 1024  # compressed bytes read at a time
_LOCAL_HEADER = struct.Struct("<4s5HL2L2H")  # signature … name length, extra length
_DRIVE = re.compile(r"^[A-Za-z]:")
_REFUSED = "refused: unpack it yourself if you trust it"


def unsafe_name(name: str) -> bool:
    """True for an entry name that is absolute or leaves the archive once extracted."""
    text = name.replace("\\", "/")
    if text.startswith("/") or _DRIVE.match(text):
        return True
    return ".." in PurePosixPath(text).parts


def _kind(path: Path) -> str:
    return "KMZ" if path.name.lower().endswith(".kmz") else "zip"


def safe_entries(archive: zipfile.ZipFile, path: Path) -> list[zipfile.ZipInfo]:
    """The archive's entries; DataError when one points outside the archive."""
    entries = archive.infolist()
    bad = [i.filename for i in entries if unsafe_name(i.filename)]
    if bad:
        raise DataError(
            f"{_kind(path)} entry {bad[0]!r} points outside the archive (absolute path or "
            "'..'); refused: the file is damaged or malicious",
            path,
        )
    return entries


def entry_chunks(
    fh: BinaryIO, info: zipfile.ZipInfo, path: Path, budget: int | None = None
) -> Iterator[bytes]:
    """The decompressed bytes of one entry, in chunks, read from ``fh`` (the archive file)
    without trusting its header's sizes; DataError past ``budget`` bytes (default: the cap)
    or the ratio cap, or when the content does not match the header."""
    if budget is None:
        budget = MAX_UNCOMPRESSED_BYTES
    what = f"{_kind(path)} entry {info.filename!r}"
    cap = f"the {MAX_UNCOMPRESSED_BYTES:,}-byte cap"
    if budget < MAX_UNCOMPRESSED_BYTES:
        cap += f" (with the {MAX_UNCOMPRESSED_BYTES - budget:,} bytes of the entries before it)"
    if info.file_size > budget:
        raise DataError(
            f"{what} would decompress to {info.file_size:,} bytes, over {cap} "
            f"(a zip bomb?); {_REFUSED}",
            path,
        )
    if info.flag_bits & 0x1:
        raise DataError(f"{what} is encrypted; decrypt the archive first", path)
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise DataError(
            f"{what} uses zip compression method {info.compress_type}, not stored or deflate; "
            "re-create the archive with a standard zip tool",
            path,
        )
    fh.seek(info.header_offset)
    header = fh.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise DataError(f"{what} has no local header where the directory says; damaged", path)
    name_len, extra_len = _LOCAL_HEADER.unpack(header)[-2:]
    fh.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
    inflate = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    stored_left = info.compress_size  # a stored entry has no end marker but its size
    consumed = produced = 0
    crc = 0
    pending = b""
    while True:
        if inflate is not None and inflate.eof:
            consumed -= len(inflate.unused_data)
            break
        if inflate is None and stored_left <= 0:
            break
        if not pending:
            want = _READ if inflate is not None else min(_READ, stored_left)
            pending = fh.read(want)
            if not pending:
                raise DataError(f"{what} ends early (truncated archive); re-download it", path)
            consumed += len(pending)
            stored_left -= len(pending)
        try:
            if inflate is not None:
                out = inflate.decompress(pending, _CHUNK)
                pending = inflate.unconsumed_tail
            else:
                out, pending = pending, b""
        except zlib.error as exc:
            raise DataError(f"{what} is not valid deflate data ({exc}); damaged", path) from exc
        produced += len(out)
        if produced > budget:
            raise DataError(
                f"{what} decompresses past {cap}, whatever its header says "
                f"(a zip bomb?); {_REFUSED}",
                path,
            )
        used = consumed - len(pending)  # compressed bytes the output so far came from
        if produced > RATIO_FLOOR_BYTES and produced > MAX_COMPRESSION_RATIO * used:
            raise DataError(
                f"{what} compresses more than {MAX_COMPRESSION_RATIO}:1 "
                f"({produced:,} bytes from {used:,}; a zip bomb?); {_REFUSED}",
                path,
            )
        crc = zlib.crc32(out, crc)
        if out:
            yield out
    if (produced, consumed, crc) != (info.file_size, info.compress_size, info.CRC):
        raise DataError(
            f"{what} does not match its header ({produced:,} bytes from {consumed:,}, the "
            f"header says {info.file_size:,} from {info.compress_size:,}, CRC "
            f"{crc:08x} vs {info.CRC:08x}); the archive is damaged or forged: refused",
            path,
        )


def read_entry(path: Path, info: zipfile.ZipInfo) -> bytes:
    """One entry's bytes, decompressed through the checks of ``entry_chunks``."""
    with open(path, "rb") as fh:
        return b"".join(entry_chunks(fh, info, path))


def check_archive(path: Path) -> None:
    """Refuse a zip archive GDAL should not open: an entry outside the archive, more than
    ``MAX_UNCOMPRESSED_BYTES`` in all, an entry past the ratio cap, a header that lies.
    The verdict is kept per file (path, size, modification time)."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise DataError(f"cannot be read ({exc.strerror}); check the path", path) from exc
    if stat.st_size == 0:
        raise DataError("file is empty (0 bytes); re-download or remove it", path)
    limits = (MAX_UNCOMPRESSED_BYTES, MAX_COMPRESSION_RATIO, RATIO_FLOOR_BYTES)
    _check_archive(str(path), stat.st_size, stat.st_mtime_ns, limits)


@lru_cache(maxsize=256)
def _check_archive(name: str, size: int, mtime_ns: int, limits: tuple[int, int, int]) -> None:
    """check_archive, cached: a verdict holds for one file state and one set of limits."""
    path = Path(name)
    try:
        with open(path, "rb") as fh, zipfile.ZipFile(fh) as archive:
            left = MAX_UNCOMPRESSED_BYTES
            for info in safe_entries(archive, path):
                if info.is_dir():
                    continue
                for chunk in entry_chunks(fh, info, path, budget=left):
                    left -= len(chunk)
    except OSError as exc:
        raise DataError(f"cannot be read ({exc.strerror}); check the path", path) from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise DataError(
            f"is not a readable zip archive ({exc}); re-download or re-export it", path
        ) from exc
