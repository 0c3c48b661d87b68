"""File digests that outlive the process: a daily update re-reads hundreds of unchanged files
only to hash them. The cache keeps one index (``digests/index.json``, see cache.file_digest)
from a file's identity and state (device, inode, size, modification and change times in ns)
to the sha256 of its bytes. The change time (ctime) cannot be set back by a user
(``touch -d`` sets the modification time only), so a file written again always misses and is
hashed. The index is a cache entry like the others: sealed with a checksum, verified when
read, discarded when damaged (then every file is hashed again), written atomically."""

from __future__ import annotations

import json
import os

#: Entries kept when the index is written (the newest): a bound on its size, and on the time
#: to read it, for caches that see many short-lived files.
MAX_ENTRIES = 20_000


def state_key(st: os.stat_result) -> str:
    """A file's identity and state, as the index keys it."""
    return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"


class DigestIndex:
    """Digests by file state; ``dirty`` once it holds one not yet written."""

    def __init__(self, entries: dict[str, str] | None = None) -> None:
        self.entries = dict(entries or {})
        self.dirty = False

    @classmethod
    def loads(cls, payload: bytes | None) -> DigestIndex:
        """The index from an entry's (verified) payload; empty when absent or not an index."""
        if payload is None:
            return cls()
        try:
            found = json.loads(payload)
        except ValueError:
            return cls()
        if not isinstance(found, dict):
            return cls()
        return cls({str(k): str(v) for k, v in found.items()})

    def dumps(self) -> bytes:
        """The payload to store (the newest MAX_ENTRIES entries)."""
        items = list(self.entries.items())[-MAX_ENTRIES:]
        return json.dumps(dict(items), separators=(",", ":")).encode()

    def lookup(self, st: os.stat_result) -> str | None:
        """The digest recorded for a file in this state, or None."""
        return self.entries.get(state_key(st))

    def record(self, st: os.stat_result, digest: str) -> None:
        """Remember a file's digest."""
        self.record_key(state_key(st), digest)

    def record_key(self, key: str, digest: str) -> None:
        """Remember the digest of the file whose state_key is ``key``."""
        if self.entries.get(key) != digest:
            self.entries.pop(key, None)  # re-inserted last: the newest are the ones kept
            self.entries[key] = digest
            self.dirty = True
