"""The synthetic scenario behind `geotools demo`: a front crossing a grid of regions.

Everything is built in an equal-area CRS from axis-aligned rectangles, so every area is known
exactly and the pipeline's figures can be checked against it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from pyproj import CRS

from geotools.output import atomic_path

KM = 1000.0
#: Lambert azimuthal equal-area centred in eastern Ukraine (metres).
DEMO_CRS = CRS.from_proj4("+proj=laea +lat_0=48 +lon_0=37.5 +x_0=0 +y_0=0 +datum=WGS84 +units=m")
START = dt.date(2024, 3, 4)  # a Monday, so ISO weeks line up with the scenario
DAYS = 29  # 2024-03-04 … 2024-04-01: four full weeks
MISSING_DAYS = (5, 6)  # no snapshot on 2024-03-09 and 2024-03-10
HEIGHT_KM = 80.0
GRID = (3, 2)  # columns × rows of 40 km regions
REGION_KM = 40.0


@dataclass(frozen=True)
class DemoDay:
    """One day of the scenario: its geometry and its exactly known area."""

    date: dt.date
    geometry: shapely.Geometry
    area_km2: float


def front_km(day: int) -> float:
    """Position of the front line: 20 km at the start, advancing 1.5 km a day."""
    return 20.0 + 1.5 * day


def _box_km(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(x0 * KM, y0 * KM, x1 * KM, y1 * KM)


def scenario() -> list[DemoDay]:
    """The 29 days: an advancing front, a pocket retaken on day 16 (a hole), and a
    bridgehead held from day 10 to day 19 (a second polygon)."""
    days = []
    for k in range(DAYS):
        main = _box_km(0, 0, front_km(k), HEIGHT_KM)
        area = front_km(k) * HEIGHT_KM
        if k >= 16:  # a pocket retaken behind the line: a 4 × 10 km hole
            main = main.difference(_box_km(10, 30, 14, 40))
            area -= 40.0
        geom: shapely.Geometry = main
        if 10 <= k < 20:  # a 5 × 5 km bridgehead ahead of the line
            geom = shapely.MultiPolygon([main, _box_km(90, 70, 95, 75)])
            area += 25.0
        days.append(DemoDay(START + dt.timedelta(days=k), geom, area))
    return days


def regions() -> gpd.GeoDataFrame:
    """The grid of 40 km × 40 km regions the front crosses (for per-region accounting)."""
    cols, rows = GRID
    records = []
    for i in range(cols):
        for j in range(rows):
            code = f"R{j + 1}{chr(ord('A') + i)}"
            records.append(
                {
                    "code": code,
                    "name": f"Region {code}",
                    "geometry": _box_km(
                        i * REGION_KM, j * REGION_KM, (i + 1) * REGION_KM, (j + 1) * REGION_KM
                    ),
                }
            )
    return gpd.GeoDataFrame(records, geometry="geometry", crs=DEMO_CRS)


def write_scenario(folder: Path) -> list[Path]:
    """Write one GeoPackage per observed day into ``folder``; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, day in enumerate(scenario()):
        if k in MISSING_DAYS:
            continue
        path = folder / f"{day.date.isoformat()}.gpkg"
        frame = gpd.GeoDataFrame({"source": ["demo"]}, geometry=[day.geometry], crs=DEMO_CRS)
        with atomic_path(path) as tmp:
            frame.to_file(tmp, driver="GPKG", layer="control")
        paths.append(path)
    with atomic_path(folder.parent / "regions.gpkg") as tmp:
        regions().to_file(tmp, driver="GPKG", layer="regions")
    return paths


def expected_area_km2(date: dt.date) -> float:
    """The exact area on the latest scenario day with a snapshot ≤ date."""
    known = {d.date: d.area_km2 for k, d in enumerate(scenario()) if k not in MISSING_DAYS}
    usable = [d for d in known if d <= date]
    return known[max(usable)] if usable else 0.0


def self_check(table: Any) -> float:
    """Largest difference (km²) between a demo Table's areas and the scenario's exact ones."""
    worst = 0.0
    for row in table.to_dict("records"):
        worst = max(worst, abs(float(row["area_to_km2"]) - expected_area_km2(row["to_date"])))
        worst = max(worst, abs(float(row["area_from_km2"]) - expected_area_km2(row["from_date"])))
    return worst
