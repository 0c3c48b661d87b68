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

from geotools.read.dates import date_from_name, parse_date
from geotools.read.dating import DatingRule, load_dating
from geotools.read.inputs import discover
from geotools.read.layer import RawLayer
from geotools.read.loader import load_snapshot, read_snapshots, snapshot_cache_key
from geotools.read.options import OnDuplicate, ReadOptions
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
