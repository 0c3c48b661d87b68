"""geotools: exact gained / lost / net area of territorial-control snapshots.

The public API is re-exported here; see the README for the command line.
"""

from typing import TYPE_CHECKING

from geotools.errors import CRSError, DataError, DateError, GeotoolsError, UsageError
from geotools.lazy import lazy_exports

if TYPE_CHECKING:  # the names below load on first use (geotools.lazy)
    from geotools.compare import (
        CompareResult,
        compare,
        compare_snapshots,
        disagreement_frame,
        match_dates,
    )
    from geotools.crs import choose_equal_area_crs, geodesic_area_m2, require_equal_area
    from geotools.diff import diff_snapshots
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

_LAZY = {
    "Change": "geotools.snapshot",
    "ChangesLayer": "geotools.output",
    "CompareResult": "geotools.compare",
    "FrontResult": "geotools.front",
    "Period": "geotools.periods",
    "Places": "geotools.places",
    "ReadOptions": "geotools.read",
    "RegionLayer": "geotools.regions",
    "RegionSpec": "geotools.regions",
    "RepairReport": "geotools.snapshot",
    "SeriesResult": "geotools.series",
    "Snapshot": "geotools.snapshot",
    "SnapshotRef": "geotools.read",
    "changes_frame": "geotools.output",
    "choose_equal_area_crs": "geotools.crs",
    "compare": "geotools.compare",
    "compare_snapshots": "geotools.compare",
    "default_places": "geotools.places",
    "diff_snapshots": "geotools.diff",
    "disagreement_frame": "geotools.compare",
    "discover": "geotools.read",
    "front": "geotools.front",
    "front_line": "geotools.frontline",
    "geodesic_area_m2": "geotools.crs",
    "load_places": "geotools.places",
    "load_snapshot": "geotools.read",
    "make_periods": "geotools.periods",
    "match_dates": "geotools.compare",
    "place_changes": "geotools.place_changes",
    "place_counts": "geotools.place_changes",
    "places_at": "geotools.place_changes",
    "read_places": "geotools.places",
    "read_snapshots": "geotools.read",
    "region_spec": "geotools.regions",
    "require_equal_area": "geotools.crs",
    "resolve_refs": "geotools.read",
    "series": "geotools.series",
    "stocks": "geotools.stocks",
    "summarize": "geotools.series",
}

lazy_exports(__name__, _LAZY)
