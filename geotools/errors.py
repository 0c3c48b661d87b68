"""Errors geotools raises; each carries the one-line message the CLI prints."""

from __future__ import annotations

from pathlib import Path

#: Exit codes of the command line (documented in the README).
EXIT_OK = 0
EXIT_DATA = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # SIGTERM (128 + 15): ended like Ctrl-C, nothing written


class GeotoolsError(Exception):
    """Base class: a problem with the user's data or request, explained in one line."""

    exit_code = EXIT_DATA

    def __init__(self, message: str, path: str | Path | None = None) -> None:
        self.path = None if path is None else str(path)
        text = " ".join(message.split())  # one line, whatever the caller passed
        if self.path is not None and self.path not in text:
            text = f"{self.path}: {text}"
        super().__init__(text)


class DataError(GeotoolsError):
    """An input file cannot be used as it is (unreadable, no polygons, no date…)."""


class DateError(DataError):
    """A snapshot's date is missing, ambiguous, duplicated or implausible."""


class CRSError(GeotoolsError):
    """A coordinate reference system is unusable for area work."""

    exit_code = EXIT_USAGE


class ClusterError(GeotoolsError):
    """A Dask cluster cannot run the work (unreachable scheduler, workers that keep dying)."""


class UsageError(GeotoolsError):
    """The request itself is wrong (bad option combination, bad period…)."""

    exit_code = EXIT_USAGE


class OutputError(GeotoolsError):
    """An output cannot be written (unknown extension, unwritable folder…)."""

    exit_code = EXIT_USAGE
