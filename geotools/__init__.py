"""geotools: exact gained / lost / net area of territorial-control snapshots.

The public API is re-exported here; see the README for the command line.
"""

from geotools.crs import choose_equal_area_crs, geodesic_area_m2, require_equal_area
from geotools.diff import diff_snapshots
from geotools.errors import CRSError, DataError, DateError, GeotoolsError, UsageError
from geotools.io import SnapshotRef, discover, load_snapshot, read_snapshots, resolve_refs
from geotools.periods import Period, make_periods
from geotools.series import series, summarize
from geotools.snapshot import Change, RepairReport, Snapshot

__version__ = "0.1.0"

__all__ = [
    "CRSError",
    "Change",
    "DataError",
    "DateError",
    "GeotoolsError",
    "Period",
    "RepairReport",
    "Snapshot",
    "SnapshotRef",
    "UsageError",
    "__version__",
    "choose_equal_area_crs",
    "diff_snapshots",
    "discover",
    "geodesic_area_m2",
    "load_snapshot",
    "make_periods",
    "read_snapshots",
    "require_equal_area",
    "resolve_refs",
    "series",
    "summarize",
]
