"""The naive pipeline, written plainly, the way a competent analyst would with geopandas."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pandas as pd


def naive_daily_by_region(files: list[Path], regions_path: Path, crs: object) -> pd.DataFrame:
    """Daily gained/lost km² per region: read_file, to_crs, overlay both ways, overlay regions."""
    regions = gpd.read_file(f"/vsigzip/{regions_path}")[["shapeISO", "geometry"]].to_crs(crs)
    rows = []
    prev = None
    prev_date = None
    for path in files:
        date = dt.datetime.strptime(path.name[:8], "%Y%m%d").date()
        snap = gpd.read_file(f"/vsigzip/{path}").to_crs(crs)
        snap["geometry"] = snap.geometry.make_valid()
        snap = snap.dissolve()[["geometry"]]
        if prev is not None:
            for kind, a, b in (("gained", snap, prev), ("lost", prev, snap)):
                change = gpd.overlay(a, b, how="difference", keep_geom_type=True)
                if change.empty:
                    continue
                inside = gpd.overlay(change, regions, how="intersection", keep_geom_type=True)
                per_region = inside.assign(area=inside.area).groupby("shapeISO")["area"].sum()
                for code, area in per_region.items():
                    rows.append((prev_date, date, code, kind, area))
                # beyond the oblasts: what the change holds that they do not (no third overlay)
                outside = float(change.area.sum()) - float(per_region.sum())
                if outside > 1e-3:
                    rows.append((prev_date, date, "outside", kind, outside))
        prev, prev_date = snap, date
    frame = pd.DataFrame(rows, columns=["from_date", "to_date", "region", "kind", "area_m2"])
    return frame.pivot_table(
        index=["from_date", "to_date", "region"],
        columns="kind",
        values="area_m2",
        aggfunc="sum",
        fill_value=0.0,
    ).reset_index()
