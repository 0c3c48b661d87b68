"""Packs: several cache entries in one file, each entry's name a hard link to it (issue 20).

A cold run stores two entries a snapshot (the parsed snapshot, the measured pair). Written one
file each, every entry is a new inode, and making an inode is the dearest step of writing a
small file: from 0.02 ms to 0.3–0.9 ms on the benchmark host's ext4 depending on the folder
and the hour (more on a network file system), against 0.016 ms for a hard link (figures in
benchmarks/README.md). A chunk's entries are therefore written as one pack, and each entry's
usual path is made a link to it.

A pack is one header line, ``GTP1 <checksum of the index> <index>``, the index a JSON list of
``[name, offset, size]`` (``name``: the entry's path inside the cache root, ``/``-separated;
``offset``: from the end of the header line), then the entries' sealed bytes (each with its
own checksum line, as a file of one entry). Reading an entry under its name reads the header
and that entry's bytes only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import BinaryIO

from geotools.memo import Memo, register

#: First bytes of a pack (an entry of its own starts with ``GTC1 ``).
PACK = b"GTP1 "
#: What an entry's name may hold: the cache's own folder and file names (hexadecimal keys).
_PLAIN = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")
#: Headers found whole (their index's text), by their checksum: a header read again is
#: compared with it, not hashed again.
_CHECKED: Memo[bytes] = register(Memo(4096))
#: The first read of a file: a pack's header is within it unless the pack holds thousands of
#: entries (then the rest of the header line is read).
FIRST_READ = 1 << 13


def pack(entries: list[tuple[str, bytes]], checksum: Callable[[bytes], bytes]) -> bytes:
    """The bytes of a pack holding ``entries`` (name, sealed bytes); ``checksum`` is the
    cache's checksum function (applied to the index's JSON)."""
    index, offset = [], 0
    for name, sealed in entries:
        if not _PLAIN.fullmatch(name):
            raise ValueError(f"a pack's entry names are plain paths, not {name!r}")
        index.append([name, offset, len(sealed)])
        offset += len(sealed)
    head = json.dumps(index, separators=(",", ":")).encode()
    return b"".join([PACK, checksum(head), b" ", head, b"\n", *(s for _, s in entries)])


def read_packed(
    fh: BinaryIO, first: bytes, name: str, checksum: Callable[[bytes], bytes]
) -> bytes | None:
    """The sealed bytes of entry ``name`` in the pack open as ``fh`` (``first``: its first
    bytes, already read); None when the header is cut short or does not match its checksum,
    the name is not in it, or the pack is shorter than its index says."""
    found = locate(fh, first, name, checksum)
    if found is None:
        return None
    offset, size, first = found
    if offset + size <= len(first):
        return first[offset : offset + size]
    fh.seek(offset)
    data = fh.read(size)
    return data if len(data) == size else None


def locate(
    fh: BinaryIO, first: bytes, name: str, checksum: Callable[[bytes], bytes]
) -> tuple[int, int, bytes] | None:
    """Where entry ``name`` lies in the pack open as ``fh``: its offset from the start of the
    file, its size, and the bytes read so far (``first``, longer when the header was); None
    when the header is cut short or does not match its checksum, or the name is not in it."""
    line_end = first.find(b"\n")
    while line_end < 0:  # a header longer than the first read
        more = fh.read(FIRST_READ)
        if not more:
            return None
        first += more
        line_end = first.find(b"\n")
    sealed, sep, text = first[len(PACK) : line_end].partition(b" ")
    if not sep:
        return None
    if _CHECKED.peek(sealed) != text:  # each pack's header checked once a process
        if checksum(text) != sealed:
            return None
        _CHECKED.put(sealed, text)
    # the row of ``name``, found in the checked JSON text: names are plain (see ``pack``), so
    # a row starts with '["name",' and nothing else does; parsing the whole index for one
    # row was most of the cost of reading a measured pair back (issue 20)
    key = b'["' + name.encode() + b'",'
    at = text.find(key)
    if at < 0:
        return None
    try:
        offset, size = (int(x) for x in text[at + len(key) : text.index(b"]", at)].split(b","))
    except ValueError:
        return None
    return line_end + 1 + offset, size, first
