"""The on-disk cache: location, locking and atomic entries.

``GEOTOOLS_CACHE`` relocates it (default: the user cache dir). Entries are written under a
temporary name and renamed, and writers of one entry hold a file lock, so two runs sharing a
cache never see or leave half an entry. Every entry starts with a checksum line (blake2b of
the rest), verified on read: an entry altered on disk (a flipped bit, a changed digit) is
logged, removed and computed again, never served. Within a ``batched`` block (a chunk of a
series), entries are written together as one pack, each entry's name a hard link to it
(``cache_packs``): one new file for the chunk, not one an entry.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from geotools.cache_packs import FIRST_READ, PACK, locate, pack, read_packed
from geotools.digests import DigestIndex, state_key
from geotools.errors import OutputError

log = logging.getLogger(__name__)

#: Temporaries older than this are leftovers of a killed run (a live write takes seconds).
STALE_TEMPORARY_S = 3600.0
_SWEPT: set[Path] = set()
#: Folders this process has made (or found): a series writes thousands of entries into a few
#: hundred folders, and a mkdir per entry was a measurable share of a cold run.
_MADE: set[Path] = set()


_LOCAL = threading.local()


@contextmanager
def using(root: str | None) -> Iterator[None]:
    """Within the block, this thread's cache root is ``root`` (None: the usual one). A Dask
    task runs under its client's cache this way, without touching the worker's environment."""
    before = getattr(_LOCAL, "root", None)
    _LOCAL.root = root
    try:
        yield
    finally:
        _LOCAL.root = before


#: Cache roots found unusable (a file, a folder not writable), each with the temporary folder
#: this process uses instead (removed at exit): the run goes on as without a cache.
_STANDINS: dict[Path, Path] = {}


#: The cache root each setting (``using``'s root, else GEOTOOLS_CACHE) names, as a Path.
_ROOTS: dict[str, Path] = {}


def cache_dir() -> Path:
    """The cache root (created if missing; leftovers of killed runs removed once per process).

    A root that cannot be used (``GEOTOOLS_CACHE`` names a file, or a folder this user cannot
    write) is a warning naming it, and the run goes on without a cache (in a temporary folder
    of its own, removed at exit)."""
    override = getattr(_LOCAL, "root", None)
    # --- issue 20: each setting's Path made once (a run asks for the root per entry) ---
    setting = override or os.environ.get("GEOTOOLS_CACHE")
    if setting:
        root = _ROOTS.get(setting) or _ROOTS.setdefault(setting, Path(setting))
    else:  # the user's cache dir, asked each time (platformdirs imported only then)
        from platformdirs import user_cache_dir

        root = Path(user_cache_dir("geotools"))
    # --- end ---
    if root in _STANDINS:
        return _STANDINS[root]
    if root not in _SWEPT:
        problem = _unusable(root)
        if problem is not None:
            standin = Path(tempfile.mkdtemp(prefix="geotools-nocache-"))
            atexit.register(shutil.rmtree, standin, True)
            _STANDINS[root] = standin
            log.warning(
                "cache %s is not usable (%s); going on without a cache "
                "(set GEOTOOLS_CACHE to a writable folder)",
                root,
                problem,
            )
            return standin
        _SWEPT.add(root)
        sweep_temporaries(root)
    return root


def _unusable(root: Path) -> str | None:
    """Why ``root`` cannot hold the cache, or None when it can."""
    if root.exists() and not root.is_dir():
        return "it is a file, not a folder"
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=root, prefix=".probe.tmp"):
            pass
    except OSError as exc:
        return (exc.strerror or type(exc).__name__).lower()
    return None


def sweep_temporaries(root: Path, older_than_s: float = STALE_TEMPORARY_S) -> int:
    """Remove temporary files (``.name…tmp…``) a killed run left in the cache; returns how many.

    Entries are written under such names and renamed, so a kill at the wrong moment leaves one
    behind; it is never read, only space. Recent ones may belong to a live run: kept."""
    import time

    now = time.time()
    removed = 0
    for folder, _, files in os.walk(root):
        for name in files:
            if not (name.startswith(".") and ".tmp" in name):
                continue
            path = Path(folder, name)
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime > older_than_s:
                    path.unlink()
                    removed += 1
    return removed


def entry_path(*parts: str) -> Path:
    """Path of a cache entry (its folder is created)."""
    path = cache_dir().joinpath(*parts)
    if path.parent not in _MADE:
        path.parent.mkdir(parents=True, exist_ok=True)
        _MADE.add(path.parent)
    return path


@contextlib.contextmanager
def locked(path: Path, timeout: float = 600.0) -> Iterator[None]:
    """Hold the lock of one cache entry (other processes wait)."""
    from filelock import FileLock  # issue 20: only where a lock is taken (fetchers)

    with FileLock(str(path) + ".lock", timeout=timeout):
        yield


#: Bump when the parsed form of a snapshot changes meaning (cleaning rules, format).
SNAPSHOT_CACHE_VERSION = "5"  # 5: entries carry a checksum (seal / unseal)


#: Digests of files this process has hashed, by the file's state (digests.state_key): a
#: series keys each file twice (the cache lookup, then the parse), and hashing means reading it.
_DIGESTS: dict[str, str] = {}


def file_digest(path: str | Path, record: bool = True) -> str:
    """sha256 of a file's bytes (and of a shapefile's sidecars). ``record=False`` (a run
    without the cache) neither reads nor writes the cache's digest index: this process's
    memo only."""
    path = Path(path)
    if path.suffix.lower() == ".shp":
        h = hashlib.sha256()
        for f in [path] + [path.with_suffix(s) for s in (".dbf", ".shx", ".prj", ".cpg")]:
            if f.exists():
                h.update(f.read_bytes())
        return h.hexdigest()
    try:
        st = path.stat()
    except OSError:
        return hashlib.sha256().hexdigest()  # as before: a missing file hashes as no bytes
    # --- issue 20: by the file's state, here and in the cache's digest index (digests.py) ---
    memo = state_key(st)
    index = _digest_index() if record else None
    found = _DIGESTS.get(memo) or (index.lookup(st) if index is not None else None)
    if found is None:
        found = hashlib.sha256(path.read_bytes()).hexdigest()
        if index is not None:
            index.record(st, found)
    # --- end ---
    if memo not in _DIGESTS:
        if len(_DIGESTS) > 100_000:
            _DIGESTS.clear()
        _DIGESTS[memo] = found
    return found


def made_digests(paths: Iterable[str | Path]) -> dict[str, str]:
    """The digests this process knows of ``paths`` (made or read), by file state: what a
    worker hands the main process (learn_digests) so that it need not hash the files again."""
    out: dict[str, str] = {}
    for path in paths:
        try:
            key = state_key(Path(path).stat())
        except OSError:
            continue
        found = _DIGESTS.get(key)
        if found is not None:
            out[key] = found
    return out


def learn_digests(found: dict[str, str]) -> None:
    """Take another process's digests (made_digests) into this one's memo and the cache's
    digest index (written at exit)."""
    if not found:
        return
    index = _digest_index()
    for key, digest in found.items():
        _DIGESTS.setdefault(key, digest)
        index.record_key(key, digest)


def digest_known(path: str | Path) -> bool:
    """Whether file_digest of ``path`` would not read it: this process, or the cache's digest
    index, knows the file in its present state (issue 20: a run that knows few of its files
    is cold, and its workers start before the digests are made). A shapefile, hashed with its
    sidecars every time, counts as known: a run of them is looked up first, as before."""
    path = Path(path)
    if path.suffix.lower() == ".shp":
        return True
    try:
        st = path.stat()
    except OSError:
        return True  # (hashed as no bytes: nothing to read)
    return state_key(st) in _DIGESTS or _digest_index().lookup(st) is not None


# --- issue 20: the digest index of each cache root this process used, written at exit ---
_INDEXES: dict[Path, DigestIndex] = {}


def _digest_index() -> DigestIndex:
    root = cache_dir()
    index = _INDEXES.get(root)
    if index is None:
        index = DigestIndex.loads(_read_entry(root / "digests" / "index.json"))
        _INDEXES[root] = index
        # the atomic writer is bound now: at exit nothing more may be imported
        from geotools.output import write_bytes

        atexit.register(_save_digest_index, root, index, write_bytes)
    return index


def _save_digest_index(root: Path, index: DigestIndex, write_bytes: Callable[..., Any]) -> None:
    """Write the index at exit: sealed, atomically (through geotools.output's writer, bound
    when the index was first used)."""
    if not index.dirty or not root.is_dir():
        return
    index.dirty = False
    folder = root / "digests"
    with contextlib.suppress(OSError, OutputError):  # a cache it cannot write: hashed next time
        folder.mkdir(exist_ok=True)
        write_bytes(folder / "index.json", seal(index.dumps()), durable=False)


# --- end ---


def snapshot_key(path: str | Path, settings: str) -> str:
    """Content address of a parsed snapshot: file bytes + the settings that shape it."""
    h = hashlib.sha256()
    h.update(file_digest(path).encode())
    h.update(f"|{SNAPSHOT_CACHE_VERSION}|{settings}".encode())
    return h.hexdigest()


#: First bytes of every entry: the format tag, then the checksum of what follows the line.
SEAL = b"GTC1 "


def checksum(payload: bytes) -> bytes:
    """The checksum entries carry (blake2b, as hexadecimal ASCII)."""
    return hashlib.blake2b(payload, digest_size=16).hexdigest().encode()


def seal(payload: bytes) -> bytes:
    """An entry's bytes: a checksum line, then ``payload``."""
    return SEAL + checksum(payload) + b"\n" + payload


def unseal(data: bytes, path: str | Path) -> bytes | None:
    """The payload of an entry read from ``path``, or None when its checksum does not match
    (then the entry is logged and removed, and the caller computes it again)."""
    head, sep, payload = data.partition(b"\n")
    if sep and head.startswith(SEAL) and head[len(SEAL) :] == checksum(payload):
        return payload
    _discard(path)
    return None


def _discard(path: str | Path) -> None:
    """Log a damaged entry and remove it (the caller computes it again)."""
    log.warning("cache entry %s is damaged (checksum mismatch); discarded, computed again", path)
    with contextlib.suppress(OSError):
        os.unlink(path)


def _read_entry(path: Path) -> bytes | None:
    """A verified entry's payload; None when absent, unreadable or damaged."""
    return _read_path(str(path))


# --- issue 20: an entry is a file of its own or a name linked to a pack (cache_packs.py) ---
def _read_path(path: str, name: str | None = None) -> bytes | None:
    """The verified payload of the entry at ``path`` (a file of its own, or a link to a pack:
    then its header and this entry's bytes are read); None when absent, unreadable or damaged
    (a damaged one is logged and removed, as by ``unseal``). ``name``: the entry's name in the
    root (``kind/fan/file``), when the caller has it."""
    batch = getattr(_LOCAL, "batch", None)
    if batch is not None and path in batch.entries:  # stored in this block, not written yet
        return unseal(batch.entries[path][1], path)
    try:
        with open(path, "rb") as fh:
            first = fh.read(FIRST_READ)
            if first.startswith(PACK):
                sealed = read_packed(fh, first, name or _name_in_root(path), checksum)
            else:
                sealed = first + fh.read() if len(first) == FIRST_READ else first
    except OSError:
        return None
    if sealed is None:  # the pack's header is cut short or altered: each entry in it is
        _discard(path)  # logged and removed when read
        return None
    return unseal(sealed, path)


def entry_span(path: str | Path) -> tuple[int, int] | None:
    """Where the entry at ``path`` lies in its file: (start, end) of its sealed bytes (the
    whole file for an entry of its own, its part of the pack for one linked to a pack); None
    when it cannot be read or its pack's header is damaged."""
    path = str(path)
    try:
        with open(path, "rb") as fh:
            first = fh.read(FIRST_READ)
            if not first.startswith(PACK):
                return 0, os.fstat(fh.fileno()).st_size
            found = locate(fh, first, _name_in_root(path), checksum)
    except OSError:
        return None
    return None if found is None else (found[0], found[0] + found[1])


def _name_in_root(path: str) -> str:
    """An entry's name in a pack: ``kind/fan/file``, the last three parts of its path (only
    entries of that depth are packed; see ``_write_entry``)."""
    return "/".join(path.rsplit(os.sep, 3)[-3:])


class _Batch:
    """Entries stored within a ``batched`` block: path -> (parts of the path, sealed bytes)."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[tuple[str, ...], bytes]] = {}
        self.size = 0
        self.root: Path | None = None


#: A batch is written as a pack once its entries pass this many bytes.
PACK_LIMIT = 8 << 20
#: Cache roots where a hard link failed (a file system without them): entries are written
#: there one file each.
_NO_LINKS: set[Path] = set()
#: What a file system without hard links (FAT, some network shares) answers to one.
_LINKS_UNSUPPORTED = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP}


@contextmanager
def batched() -> Iterator[None]:
    """Within the block, this thread's cache entries are kept, and written at its end as one
    pack with each entry's name linked to it: one new file for a chunk's entries, not one
    each. Meanwhile they are read back from memory. A nested block joins the outer one. The
    block left by an exception still writes what was stored (whole entries); an interrupt
    (KeyboardInterrupt, SystemExit) does not wait for it."""
    if getattr(_LOCAL, "batch", None) is not None:
        yield
        return
    batch = _Batch()
    _LOCAL.batch = batch
    try:
        yield
    except Exception:
        _LOCAL.batch = None
        _flush(batch)
        raise
    finally:
        _LOCAL.batch = None
    _flush(batch)


def _flush(batch: _Batch) -> None:
    """Write a batch's entries: a pack of each kind (snapshots, pairs…), linked under every
    entry's name."""
    entries, root = list(batch.entries.values()), batch.root
    batch.entries, batch.size, batch.root = {}, 0, None
    if root is None:
        return
    kinds: dict[str, list[tuple[tuple[str, ...], bytes]]] = {}
    for parts, sealed in entries:  # a pack a kind: a run that reads only the measured pairs
        kinds.setdefault(parts[0], []).append((parts, sealed))  # reads small packs
    for group in kinds.values():
        _write_pack(root, group)


def _write_pack(root: Path, entries: list[tuple[tuple[str, ...], bytes]]) -> None:
    """Write ``entries`` as one pack, linked under each entry's name (one entry, or no hard
    links: one file each)."""
    if len(entries) == 1 or root in _NO_LINKS:
        for parts, sealed in entries:
            _store(parts, sealed)
        return
    data = pack([("/".join(parts), sealed) for parts, sealed in entries], checksum)
    tmp = root / f".pack.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
    except OSError as exc:  # a full disk, a folder made read-only: nothing half-written left
        with contextlib.suppress(OSError):
            tmp.unlink()
        _cannot_store(exc)
        return
    try:
        for at, (parts, _) in enumerate(entries):
            try:
                _link(tmp, root, parts)
            except OSError as exc:  # this entry and the rest one file each
                if exc.errno in _LINKS_UNSUPPORTED:  # and the next batches too
                    _NO_LINKS.add(root)
                for rest, again in entries[at:]:
                    _store(rest, again)
                break
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _link(pack_path: Path, root: Path, parts: tuple[str, ...]) -> None:
    """Make the entry ``parts`` a name of the pack (replacing an entry of that name)."""
    from geotools.output import link_into

    path = root.joinpath(*parts)
    if path.parent not in _MADE:
        path.parent.mkdir(parents=True, exist_ok=True)
        _MADE.add(path.parent)
    try:
        link_into(pack_path, path)  # an entry of that name (read as unusable) is replaced
    except FileNotFoundError:  # its folder removed behind this process's back
        _MADE.discard(path.parent)
        path.parent.mkdir(parents=True, exist_ok=True)
        link_into(pack_path, path)


# --- end ---


_UNWRITABLE: set[Path] = set()


def _write_entry(*parts: str, data: bytes) -> None:
    """Write an entry atomically (within a ``batched`` block: keep it for the block's pack)."""
    sealed = seal(data)
    batch = getattr(_LOCAL, "batch", None)
    if batch is None or len(parts) != 3:  # packed: kind/fan/file entries (_name_in_root)
        _store(parts, sealed)
        return
    root = cache_dir()
    if batch.root is not None and batch.root != root:  # the block changed roots: write first
        _flush(batch)
    batch.root = root
    path = str(root.joinpath(*parts))
    before = batch.entries.get(path)
    batch.entries[path] = (parts, sealed)
    batch.size += len(sealed) - (len(before[1]) if before else 0)
    if batch.size > PACK_LIMIT:
        _flush(batch)


def _store(parts: tuple[str, ...], sealed: bytes) -> None:
    """Write one sealed entry as a file of its own; a folder removed behind this process's back
    is made again. An entry that cannot be written (a folder of the cache made read-only) is a
    warning, once per process: the run goes on without storing it."""
    from geotools.output import write_bytes

    try:
        path = entry_path(*parts)
        try:
            write_bytes(path, sealed, durable=False)
        except OutputError:
            _MADE.clear()
            _SWEPT.clear()
            path.parent.mkdir(parents=True, exist_ok=True)
            write_bytes(path, sealed, durable=False)
    except OSError as exc:
        _cannot_store(exc)


def _cannot_store(exc: OSError) -> None:
    """Warn, once per process, that entries cannot be stored (the run goes on)."""
    folder = Path(exc.filename or cache_dir()).parent
    if not _UNWRITABLE:
        _UNWRITABLE.add(folder)
        log.warning(
            "cannot store cache entries in %s (%s); going on without storing them",
            folder,
            (exc.strerror or type(exc).__name__).lower(),
        )


# --- issue 20: 16 folders a kind, not 256: a cold run of the archive made 512 folders, each a
# costly system call on a fresh cache (0.3 ms idle, 2 ms at load 3, strace -w), for ~1,500
# entries; every path of an entry goes through here ---
def _fan(key: str) -> str:
    """The folder of an entry within its kind (the key's first hexadecimal digit)."""
    return key[:1]


# --- end ---


def store_parsed(key: str, meta: dict[str, Any], geometries: dict[str, bytes]) -> None:
    """Write a parsed snapshot (JSON header line + WKB blobs); atomic, content-addressed."""
    names = sorted(geometries)
    header = dict(meta, statuses=names, sizes=[len(geometries[n]) for n in names])
    blob = json.dumps(header).encode() + b"\n" + b"".join(geometries[n] for n in names)
    _write_entry("snapshots", _fan(key), f"{key}.snap", data=blob)


def load_parsed(key: str) -> tuple[dict[str, Any], dict[str, bytes]] | None:
    """A parsed snapshot from the cache, or None (absent or unreadable: then re-parse)."""
    path = cache_dir() / "snapshots" / _fan(key) / f"{key}.snap"
    data = _read_entry(path)
    if data is None:
        return None
    try:
        head, _, rest = data.partition(b"\n")
        meta = json.loads(head)
        out: dict[str, bytes] = {}
        offset = 0
        for name, size in zip(meta["statuses"], meta["sizes"], strict=True):
            out[name] = rest[offset : offset + size]
            offset += size
        if offset != len(rest):
            return None
        return meta, out
    except (ValueError, KeyError, TypeError):
        return None


def parsed_exists(key: str) -> bool:
    """Whether a parsed entry exists (the file was read and checked before)."""
    return parsed_exist([key])[0]


def store_json(kind: str, key: str, value: Any) -> None:
    """A small JSON cache entry (atomic, content-addressed)."""
    data = json.dumps(value, separators=(",", ":")).encode()
    _write_entry(kind, _fan(key), f"{key}.json", data=data)


def load_json(kind: str, key: str) -> Any | None:
    """A JSON cache entry, or None when absent or unreadable."""
    data = _read_entry(cache_dir() / kind / _fan(key) / f"{key}.json")
    if data is None:
        return None
    try:
        return json.loads(data)
    except ValueError:
        return None


# --- issue 20: many entries at once (a one-day update of the archive reads every pair) ---
def load_json_many(kind: str, keys: Sequence[str]) -> list[Any | None]:
    """``[load_json(kind, k) for k in keys]``, the root resolved once and each entry read
    through a plain path string (a damaged entry is logged and removed as there)."""
    folder = os.path.join(cache_dir(), kind)
    out: list[Any | None] = []
    for key in keys:
        fan, file = _fan(key), key + ".json"
        payload = _read_path(os.path.join(folder, fan, file), f"{kind}/{fan}/{file}")
        try:
            out.append(None if payload is None else json.loads(payload))
        except ValueError:
            out.append(None)
    return out


def parsed_exist(keys: Sequence[str]) -> list[bool]:
    """``[parsed_exists(k) for k in keys]``, the root resolved once."""
    folder = os.path.join(cache_dir(), "snapshots")
    paths = [os.path.join(folder, _fan(k), k + ".snap") for k in keys]
    batch = getattr(_LOCAL, "batch", None)
    pending = batch.entries if batch is not None else {}
    return [p in pending or os.path.exists(p) for p in paths]


# --- end ---
