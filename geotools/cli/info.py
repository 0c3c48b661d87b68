"""`geotools info`: what a snapshot file holds and what cleaning did to it."""

from __future__ import annotations

import json

import click

from geotools.cli.options import Settings, reading_options
from geotools.cli.terminal import say, visible_json
from geotools.crs import WGS84, geodesic_area_m2, project
from geotools.read import ReadOptions, load_snapshot, resolve_refs, settle
from geotools.snapshot import M2_PER_KM2


@click.command("info")
@click.argument("inputs", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file.")
@reading_options
@click.pass_obj
def command(
    settings: Settings,
    inputs: tuple[str, ...],
    as_json: bool,
    read: ReadOptions,
) -> None:
    """Date, repairs, and per-status area (equal-area and geodesic) of snapshot files."""
    read = settle(list(inputs), read)
    refs = resolve_refs(list(inputs), options=read)
    for ref in refs:
        snap = load_snapshot(ref, options=read)
        read = read.with_crs(snap.crs)  # one CRS for every file listed
        statuses = {}
        for name, geom in snap.geometries.items():
            area = snap.area_m2(name)
            geodesic = geodesic_area_m2(project(geom, snap.crs, WGS84))
            statuses[name] = {
                "area_km2": area / M2_PER_KM2,
                "geodesic_km2": geodesic / M2_PER_KM2,
                "relative_difference": (area - geodesic) / geodesic if geodesic else 0.0,
                "parts": len(geom.geoms) if hasattr(geom, "geoms") else 1,
            }
        record = {
            "file": str(ref.path),
            "date": ref.date.isoformat(),
            "date_from": ref.date_origin,
            "crs": snap.crs.srs,
            "repairs": snap.repairs.as_dict(),
            "classes": snap.classes.as_dict() if snap.classes is not None else None,
            "profile": read.profile.name if read.profile is not None else None,
            "profile_detected": read.detected or None,
            "parts": [str(p) for p in ref.parts],
            "statuses": statuses,
        }
        if as_json:
            click.echo(visible_json(json.dumps(record, ensure_ascii=False)))
            continue
        say(f"{ref.path}")
        say(f"  date      {ref.date.isoformat()} (from {ref.date_origin})")
        for part in ref.parts:
            say(f"  layer     {part} (read with it: one snapshot)")
        if read.profile is not None:
            how = f"detected: {read.detected}" if read.detected else "--profile"
            say(f"  profile   {read.profile.name} ({how})")
        say(f"  crs       {snap.crs.srs}")
        say(f"  repairs   {snap.repairs.summary()}")
        if snap.classes is not None:
            say(f"  classes   {snap.classes.summary()}")
        for name, s in statuses.items():
            say(
                f"  {name:<16} {s['area_km2']:,.3f} km² (geodesic {s['geodesic_km2']:,.3f}, "
                f"Δ {s['relative_difference']:.1e}) in {s['parts']} parts"
            )
