"""geotools: exact gained / lost / net area of territorial-control snapshots.

The public API is re-exported here; see the README for the command line.
"""

from geotools.compare import (
    CompareResult,
    compare,
    compare_snapshots,
    disagreement_frame,
    match_dates,
)
from geotools.crs import choose_equal_area_crs, geodesic_area_m2, require_equal_area
from geotools.diff import diff_snapshots
from geotools.errors import CRSError, DataError, DateError, GeotoolsError, UsageError
from geotools.front import FrontResult, front
from geotools.frontline import front_line
from geotools.output import ChangesLayer, changes_frame
from geotools.periods import Period, make_periods
from geotools.place_changes import place_changes, place_counts, places_at
from geotools.places import Places, default_places, load_places, read_places
from geotools.read import (
    ReadOptions,
    SnapshotRef,
    discover,
    load_snapshot,
    read_snapshots,
    resolve_refs,
)
from geotools.regions import RegionLayer, RegionSpec, region_spec
from geotools.series import SeriesResult, series, summarize
from geotools.snapshot import Change, RepairReport, Snapshot
from geotools.stocks import stocks

__version__ = "0.1.0"

__all__ = [
    "CRSError",
    "Change",
    "ChangesLayer",
    "CompareResult",
    "DataError",
    "DateError",
    "FrontResult",
    "GeotoolsError",
    "Period",
    "Places",
    "ReadOptions",
    "RegionLayer",
    "RegionSpec",
    "RepairReport",
    "SeriesResult",
    "Snapshot",
    "SnapshotRef",
    "UsageError",
    "__version__",
    "changes_frame",
    "choose_equal_area_crs",
    "compare",
    "compare_snapshots",
    "default_places",
    "diff_snapshots",
    "disagreement_frame",
    "discover",
    "front",
    "front_line",
    "geodesic_area_m2",
    "load_places",
    "load_snapshot",
    "make_periods",
    "match_dates",
    "place_changes",
    "place_counts",
    "places_at",
    "read_places",
    "read_snapshots",
    "region_spec",
    "require_equal_area",
    "resolve_refs",
    "series",
    "stocks",
    "summarize",
]
