"""Shipped country outlines, and the default outline of `front` when none is given.

`front` needs the country outline (the line of contact is the control boundary lying inside
it). Without ``regions=`` (``--by``) or ``outline=`` (``--outline``) it takes the shipped
outline of Ukraine when the data lies in Ukraine, that is when at least :data:`MIN_INSIDE` of
the first snapshot's controlled area lies inside that outline, and says so; elsewhere it
keeps asking for an outline. The outline's provenance: shapes/outlines/PROVENANCE.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import shapely
from pyproj import CRS

from geotools.crs import WGS84, project
from geotools.read import read_raw

log = logging.getLogger(__name__)

#: Share of the data's area that must lie inside the shipped outline for it to be used.
MIN_INSIDE = 0.5


@dataclass(frozen=True)
class ShippedOutline:
    """A country outline shipped in shapes/outlines, with what to say when it is used."""

    iso3: str
    file: str
    provenance: str

    @property
    def path(self) -> Path:
        """The file (inside the installed package)."""
        return Path(str(resources.files("geotools.shapes").joinpath("outlines", self.file)))


UKRAINE = ShippedOutline(
    "UKR",
    "UKR.geojson.gz",
    "Natural Earth v4.1.0 admin-0 1:10m, Crimea included (shapes/outlines/PROVENANCE.md)",
)


def share_inside(
    geom: shapely.Geometry, crs: CRS, outline: ShippedOutline = UKRAINE
) -> float | None:
    """Share of ``geom``'s area (in the equal-area ``crs``) inside ``outline``; None when
    ``geom`` has no area."""
    area = float(shapely.area(geom))
    if area <= 0:
        return None
    raw = read_raw(outline.path)
    shape = shapely.union_all(shapely.make_valid(raw.geometries))
    shape = shapely.make_valid(project(shape, raw.crs or WGS84, crs))
    return float(shapely.area(shapely.intersection(geom, shape))) / area


def default_outline(geom: shapely.Geometry, crs: CRS) -> ShippedOutline | None:
    """The shipped outline to use for data whose controlled area is ``geom`` (in ``crs``):
    Ukraine's when at least :data:`MIN_INSIDE` of it lies inside, else None."""
    share = share_inside(geom, crs, UKRAINE)
    if share is None or share < MIN_INSIDE:
        log.debug("data not in Ukraine (share inside its outline: %s)", share)
        return None
    log.warning(
        "no --by or --outline: the front uses the shipped outline of Ukraine, %s; %.1f %% of "
        "the data lies inside it",
        UKRAINE.provenance,
        100 * share,
    )
    return UKRAINE
