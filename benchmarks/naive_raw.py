"""The naive raw pipeline, written plainly, the way a competent analyst would with geopandas:
raw DeepState snapshots (every feature, every class) sorted into the deepstate-raw profile's
classes by its rules (applied with pandas), dissolved per class, diffed per class and pair."""

from __future__ import annotations

import datetime as dt
import json
import re
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd

PROFILES = Path(__file__).resolve().parents[1] / "shapes" / "profiles"
# the profile's patterns group alternatives (no capture wanted); the share of a polygon inside
# Ukraine is judged in lon/lat, as the profile says, where only the ratio of areas matters
warnings.filterwarnings("ignore", "This pattern is interpreted as a regular expression")
warnings.filterwarnings("ignore", "Geometry is in a geographic CRS")


def load_rules(name: str = "deepstate-raw") -> dict:
    """The profile as written in shapes/profiles (classes in precedence order, rules, unions)."""
    return json.loads((PROFILES / f"{name}.json").read_text("utf-8"))


def _norm(text: pd.Series) -> pd.Series:
    """Whitespace-normalised text (newlines, no-break spaces and runs of spaces become one)."""
    return text.fillna("").astype(str).str.split().str.join(" ")


def classify(frame: pd.DataFrame, profile: dict) -> pd.Series:
    """Each feature's status: the first rule whose every condition matches ('other' if none)."""
    fields = {"name": _norm(frame["name"]), "fill": _norm(frame["fill"])}
    split = profile["split"]
    parts = fields[split["property"]].str.split(split["separator"], regex=False)
    for k, part in enumerate(split["parts"]):
        fields[part] = _norm(parts.str[k])
    fields["key"] = fields["key"].str.replace(r"\{\{.*?\}\}", "", regex=True).str.strip()
    status = pd.Series("other", index=frame.index, dtype=object)
    undecided = pd.Series(True, index=frame.index)
    for rule in profile["rules"]:
        hit = undecided.copy()
        for field, pattern in rule["when"].items():
            hit &= fields[field].str.contains(re.compile(pattern, re.IGNORECASE), regex=True)
        status[hit] = rule["status"]
        undecided &= ~hit
    return status


def read_classes(path: Path, profile: dict, roi: gpd.GeoSeries, crs: object) -> gpd.GeoDataFrame:
    """One raw file: classified, polygon parts mostly outside Ukraine dropped, repaired,
    projected and dissolved per class, the classes made disjoint by precedence, plus unions."""
    snap = gpd.read_file(f"/vsigzip/{path}", columns=["name", "fill"])
    snap["status"] = classify(snap, profile)
    snap = snap[snap.status.isin(profile["classes"])]
    parts = snap.explode(index_parts=False)
    parts = parts[parts.geom_type == "Polygon"]
    parts["geometry"] = parts.geometry.force_2d().make_valid(method="structure")
    # the region-of-interest rule: a polygon with less than half its area inside Ukraine is not
    # Ukraine (a stray grey-zone triangle in the Arabian Sea)
    inside = parts.geometry.intersection(roi.iloc[0]).area / parts.geometry.area
    parts = parts[inside >= profile["region_of_interest"]["min_inside"]].to_crs(crs)
    parts["geometry"] = parts.geometry.make_valid(method="structure")
    dissolved = parts.dissolve(by="status")
    out, taken = {}, None
    for cls in profile["classes"]:
        geom = dissolved.geometry.get(cls)
        geom = gpd.GeoSeries([geom] if geom is not None else [], crs=crs)
        if taken is not None and not geom.empty:  # an earlier class keeps a shared area
            geom = geom.difference(taken)
        out[cls] = geom
        if not geom.empty:
            taken = geom.iloc[0] if taken is None else taken.union(geom.iloc[0])
    for union, members in profile["unions"].items():
        both = pd.concat([out[m] for m in members])
        out[union] = gpd.GeoSeries([both.union_all()] if not both.empty else [], crs=crs)
    return gpd.GeoDataFrame(
        {"status": [s for s, g in out.items() for _ in range(len(g))]},
        geometry=pd.concat(list(out.values()), ignore_index=True),
        crs=crs,
    )


def naive_raw_daily_by_region(files: list[Path], regions_path: Path, crs: object) -> pd.DataFrame:
    """Daily gained/lost m² per class and region of raw DeepState files (named by Unix time)."""
    profile = load_rules()
    roi = gpd.read_file(
        f"/vsigzip/{PROFILES / profile['region_of_interest']['outline']}.geojson.gz"
    ).geometry
    roi = gpd.GeoSeries([roi.union_all()], crs=roi.crs)
    regions = gpd.read_file(f"/vsigzip/{regions_path}")[["shapeISO", "geometry"]].to_crs(crs)
    statuses = profile["classes"] + list(profile["unions"])
    rows = []
    prev = None
    prev_date = None
    for path in files:
        stamp = int(path.name.split(".")[0])
        date = dt.datetime.fromtimestamp(stamp, tz=dt.timezone.utc).date()
        snap = read_classes(path, profile, roi, crs)
        if prev is not None:
            for status in statuses:
                now = snap[snap.status == status][["geometry"]]
                before = prev[prev.status == status][["geometry"]]
                for kind, a, b in (("gained", now, before), ("lost", before, now)):
                    if a.empty:
                        continue
                    change = (
                        gpd.overlay(a, b, how="difference", keep_geom_type=True)
                        if not b.empty
                        else a
                    )
                    if change.empty:
                        continue
                    inside = gpd.overlay(change, regions, how="intersection", keep_geom_type=True)
                    per_region = inside.assign(area=inside.area).groupby("shapeISO")["area"].sum()
                    for code, area in per_region.items():
                        rows.append((prev_date, date, code, status, kind, area))
                    outside = float(change.area.sum()) - float(per_region.sum())
                    if outside > 1e-3:
                        rows.append((prev_date, date, "outside", status, kind, outside))
        prev, prev_date = snap, date
    frame = pd.DataFrame(
        rows, columns=["from_date", "to_date", "region", "status", "kind", "area_m2"]
    )
    return frame.pivot_table(
        index=["from_date", "to_date", "region", "status"],
        columns="kind",
        values="area_m2",
        aggfunc="sum",
        fill_value=0.0,
    ).reset_index()
