"""SnapshotRef: a file and the date it stands for, before its geometry is read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SnapshotRef:
    """A file and the date it stands for, before its geometry is read."""

    path: Path
    date: dt.date
    date_origin: str  # "argument", "property <name>", "file name"
    layer: str | None = None
    #: Further files of the same snapshot: the other layers of a source that ships one file
    #: per layer (ISW), read and classified together with ``path``.
    parts: tuple[Path, ...] = ()

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every file of the snapshot."""
        return (self.path, *self.parts)
