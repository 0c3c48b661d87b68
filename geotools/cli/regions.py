"""`geotools regions`: how a region layer is named and how cleanly it tiles."""

from __future__ import annotations

from pathlib import Path

import click
import shapely
from pyproj import CRS

from geotools.cli.options import CRS_PARAM, Settings
from geotools.cli.terminal import say
from geotools.crs import WGS84, choose_equal_area_crs, lonlat_bounds
from geotools.read import read_raw
from geotools.regions import read_regions
from geotools.snapshot import M2_PER_KM2


@click.command("regions")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--region-field", default=None, help="Property naming the regions.")
@click.option("--crs", type=CRS_PARAM, default=None, help="Equal-area CRS (default: LAEA on it).")
@click.pass_obj
def command(settings: Settings, path: Path, region_field: str | None, crs: CRS | None) -> None:
    """List a region layer's codes, names and areas, with overlaps, gaps and unknown names."""
    if crs is None:  # LAEA on the layer's extent (its bounding box is all the choice needs)
        raw = read_raw(path)
        box = shapely.box(*shapely.total_bounds(raw.geometries))
        crs = choose_equal_area_crs(lonlat_bounds(box, raw.crs or WGS84))
    layer = read_regions(path, crs, region_field)
    for code, name, area in zip(layer.codes, layer.names, layer.areas_m2().values(), strict=True):
        say(f"{code:<8} {name:<32} {area / M2_PER_KM2:>14,.1f} km²")
    say(f"tiling: {layer.tiling.summary()}")
