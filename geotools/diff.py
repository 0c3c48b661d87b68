"""The diff engine: gained and lost polygons between two snapshots, per status class."""

from __future__ import annotations

import shapely

from geotools.clean import polygonal
from geotools.errors import UsageError
from geotools.snapshot import Change, Snapshot


def diff_geometries(
    before: shapely.Geometry, after: shapely.Geometry
) -> tuple[shapely.Geometry, shapely.Geometry]:
    """(gained, lost) = (after − before, before − after), polygonal parts only.

    This is the plain reference overlay; faster engines are tested against it.
    """
    if before.equals_exact(after, tolerance=0.0):
        empty = shapely.MultiPolygon()
        return empty, empty
    gained = polygonal(shapely.difference(after, before))
    lost = polygonal(shapely.difference(before, after))
    return gained, lost


def diff_snapshots(before: Snapshot, after: Snapshot) -> list[Change]:
    """One Change per status class present in either snapshot, sorted by status."""
    if not before.crs.equals(after.crs):
        raise UsageError(
            f"snapshots {before.source} and {after.source} are in different CRSs; "
            "read them together (read_snapshots) or pass the same crs"
        )
    changes = []
    empty = shapely.MultiPolygon()
    for status in sorted(set(before.geometries) | set(after.geometries)):
        g0 = before.geometries.get(status, empty)
        g1 = after.geometries.get(status, empty)
        gained, lost = diff_geometries(g0, g1)
        unit = before.m2_per_unit
        changes.append(
            Change(
                status=status,
                from_date=before.date,
                to_date=after.date,
                gained=gained,
                lost=lost,
                area_from_m2=float(shapely.area(g0)) * unit,
                area_to_m2=float(shapely.area(g1)) * unit,
                gained_m2=float(shapely.area(gained)) * unit,
                lost_m2=float(shapely.area(lost)) * unit,
            )
        )
    return changes
