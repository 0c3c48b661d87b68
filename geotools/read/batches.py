"""Big files read in batches (issue 16): GDAL's Arrow stream (pyogrio ``open_arrow``), a
batch of features at a time, so that memory holds one batch and not the whole file.

A file is *big* when its (uncompressed) size passes :data:`BIG_BYTES`; smaller files, and
formats with readers of their own (zip, KML, Parquet, DeepState's ``{"map": …}`` wrapper,
ESRI JSON), are read whole as before. Source detection and the plain-file checks look at a
big file's first batch (:func:`read_head`).
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from geotools.errors import DataError, UsageError
from geotools.read.esrijson import gdal_reading_options, is_esri_json
from geotools.read.files import gdal_path, is_kml, is_parquet, is_zip, read_error
from geotools.read.gdal import from_wkb, meta_crs
from geotools.read.layer import RawLayer
from geotools.read.raw import read_raw

#: Files larger than this (uncompressed) are read in batches (``GEOTOOLS_BIG_BYTES``).
BIG_BYTES = 8 * 2**20
#: Features a batch holds (``GEOTOOLS_BATCH_FEATURES``); also the features of a big file
#: that source detection and the plain-file checks look at.
BATCH_FEATURES = 20_000


def _setting(name: str, default: int) -> int:
    """A positive whole number from the environment variable ``name``, else ``default``."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise UsageError(f"{name}={text!r} is not a positive whole number; fix or unset it")
    return value


def big_bytes() -> int:
    """The size above which a file is read in batches."""
    return _setting("GEOTOOLS_BIG_BYTES", BIG_BYTES)


def batch_features() -> int:
    """The features of one batch."""
    return _setting("GEOTOOLS_BATCH_FEATURES", BATCH_FEATURES)


def size_bytes(path: Path) -> int:
    """The file's size, uncompressed for gzip (its trailer's size, modulo 4 GiB: a larger
    file still counts as big through its compressed size)."""
    size = path.stat().st_size
    if path.name.lower().endswith(".gz") and size >= 18:
        with open(path, "rb") as f:
            if f.read(2) != b"\x1f\x8b":
                return size
            f.seek(-4, 2)
            size = max(size, int.from_bytes(f.read(4), "little"))
    return size


def is_big(path: Path, layer: str | None = None) -> bool:
    """Whether ``path`` is read in batches (a big file that GDAL reads on its own)."""
    if is_zip(path) or is_kml(path) or is_parquet(path):
        return False
    try:
        if size_bytes(path) <= big_bytes():
            return False
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        with opener(path, "rb") as f:
            head = f.read(256)
    except (OSError, EOFError):
        return False  # the reader that words errors takes over
    if b'"map"' in head:  # a DeepState wrapper (or looks like one): its own reader
        return False
    return not is_esri_json(path)


def read_batches(
    path: Path,
    layer: str | None,
    columns: list[str] | None,
    *,
    batch_size: int | None = None,
    missing_ok: bool = False,
) -> Generator[RawLayer, None, None]:
    """The file's features, ``batch_size`` (default BATCH_FEATURES) at a time, with the named
    columns (None: every one; ``missing_ok``: a column the file lacks is all None);
    DataError on failure."""
    from pyogrio.raw import open_arrow

    size = batch_size or batch_features()
    source = gdal_path(path)
    with gdal_reading_options(path):
        try:
            stream = open_arrow(
                source,
                layer=layer,
                columns=columns if columns is None or not missing_ok else None,
                batch_size=size,
                use_pyarrow=True,
            )
            meta, reader = stream.__enter__()
        except Exception as exc:
            raise read_error(path, exc) from exc
        try:
            fields = [str(f) for f in meta["fields"]]
            wanted = fields if columns is None else columns
            missing = [c for c in wanted if c not in fields]
            if missing and not missing_ok:
                raise DataError(
                    f"has no property {missing[0]!r} (properties: {', '.join(fields) or 'none'})",
                    path,
                )
            crs = meta_crs(path, meta)
            geometry = meta["geometry_name"] or "wkb_geometry"
            for batch in _batches(path, reader):
                n = batch.num_rows
                wkb = batch.column(geometry).to_numpy(zero_copy_only=False)
                attrs = {
                    c: np.asarray(batch.column(c).to_pylist(), dtype=object)
                    if c in fields
                    else np.full(n, None)
                    for c in wanted
                }
                geoms = np.asarray(from_wkb(path, wkb), dtype=object)
                yield RawLayer(geoms, attrs, crs, fields)
        finally:
            stream.__exit__(None, None, None)


def _batches(path: Path, reader: Iterable[Any]) -> Iterator[Any]:
    """The reader's record batches; GDAL's failures mid-file worded for the user."""
    it = iter(reader)
    while True:
        try:
            batch = next(it)
        except StopIteration:
            return
        except Exception as exc:
            raise read_error(path, exc) from exc
        yield batch


def read_head(
    path: Path,
    layer: str | None,
    columns: list[str] | None,
    missing_ok: bool = False,
) -> RawLayer:
    """read_raw for what looks at a file before it is measured (source detection, the
    plain-file checks): a big file's first batch, any other file whole."""
    if not is_big(path, layer):
        return read_raw(path, layer, columns, missing_ok=missing_ok)
    batches = read_batches(path, layer, columns, missing_ok=missing_ok)
    for head in batches:
        batches.close()  # GDAL's stream closed now, not when collected
        return head
    return RawLayer(np.empty(0, dtype=object), {}, None, [])
