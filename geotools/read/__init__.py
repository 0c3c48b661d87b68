"""Reading: files, folders and globs into dated Snapshots.

One job a module, in the order data flows through them:

- ``inputs``: discovery of input files (folders, globs);
- ``ref``, ``dates``, ``dating`` and ``refs``: SnapshotRef, the date a file stands for, the
  dating rules (the day a source's map shows), dating a set of inputs;
- ``options``: ReadOptions, the one object every reading setting travels in;
- format families, which know nothing of Snapshots: ``files`` (paths GDAL opens, bytes,
  error wording), ``gdal``, ``geojson`` (fast path, DeepState's wrapper), ``zipped``
  (zipped shapefiles), ``archive`` (zip safety), ``kml`` (KML/KMZ safety), ``esrijson``,
  ``parquet``; ``raw`` dispatches to them and returns a RawLayer (``layer``);
- ``checks``: coordinate checks; ``loader``: the Snapshot loader (classify, clean, project,
  cache).
"""

from typing import TYPE_CHECKING

from geotools.lazy import lazy_exports

if TYPE_CHECKING:  # the names below load on first use (geotools.lazy)
    from geotools.read.dates import date_from_name, parse_date
    from geotools.read.dating import DatingRule, load_dating
    from geotools.read.inputs import discover
    from geotools.read.layer import RawLayer
    from geotools.read.loader import load_snapshot, read_snapshots, snapshot_cache_key
    from geotools.read.options import OnDuplicate, ReadOptions, as_options
    from geotools.read.raw import read_fields, read_raw
    from geotools.read.ref import SnapshotRef
    from geotools.read.refs import resolve_refs
    from geotools.read.sniff import settle

__all__ = [
    "DatingRule",
    "OnDuplicate",
    "RawLayer",
    "ReadOptions",
    "SnapshotRef",
    "as_options",
    "date_from_name",
    "discover",
    "load_dating",
    "load_snapshot",
    "parse_date",
    "read_fields",
    "read_raw",
    "read_snapshots",
    "resolve_refs",
    "settle",
    "snapshot_cache_key",
]

_LAZY = {
    "DatingRule": "geotools.read.dating",
    "OnDuplicate": "geotools.read.options",
    "RawLayer": "geotools.read.layer",
    "ReadOptions": "geotools.read.options",
    "as_options": "geotools.read.options",
    "SnapshotRef": "geotools.read.ref",
    "date_from_name": "geotools.read.dates",
    "discover": "geotools.read.inputs",
    "load_dating": "geotools.read.dating",
    "load_snapshot": "geotools.read.loader",
    "parse_date": "geotools.read.dates",
    "read_fields": "geotools.read.raw",
    "read_raw": "geotools.read.raw",
    "read_snapshots": "geotools.read.loader",
    "resolve_refs": "geotools.read.refs",
    "settle": "geotools.read.sniff",
    "snapshot_cache_key": "geotools.read.loader",
}

lazy_exports(__name__, _LAZY)
