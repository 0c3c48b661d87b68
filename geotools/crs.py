"""Equal-area CRS choice and checks; geodesic area on the WGS84 ellipsoid."""

from __future__ import annotations

import logging
from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Geod, Proj, Transformer
from pyproj.exceptions import CRSError as PyprojCRSError

from geotools.errors import CRSError

log = logging.getLogger(__name__)

WGS84 = CRS.from_epsg(4326)
_GEOD = Geod(ellps="WGS84")
#: |areal scale − 1| allowed for a CRS to count as equal-area (projections are exact to ~1e-12).
AREAL_SCALE_TOLERANCE = 1e-6
#: Largest relative difference between a CRS's areas and WGS84 geodesic areas (see
#: _ellipsoid_bias): an equal-area CRS on another ellipsoid is off by about 1e-4.
ELLIPSOID_TOLERANCE = 1e-6


def parse_crs(text: str) -> CRS:
    """Parse a user-given CRS (EPSG code, PROJ string, WKT) with a one-line error."""
    try:
        return CRS.from_user_input(text)
    except PyprojCRSError as exc:
        raise CRSError(
            f"cannot parse CRS {text!r} ({exc}); give e.g. EPSG:3035 or a PROJ string"
        ) from exc


def choose_equal_area_crs(bounds_lonlat: tuple[float, float, float, float]) -> CRS:
    """Lambert azimuthal equal-area on WGS84, centred on the data, centre rounded to whole degrees.

    Rounding keeps the choice stable when a folder gains a file that nudges the extent, so
    reruns give the same figures.
    """
    minx, miny, maxx, maxy = bounds_lonlat
    if not all(np.isfinite([minx, miny, maxx, maxy])):
        raise CRSError("cannot choose an equal-area CRS: the data has no finite extent; pass --crs")
    lon0 = round((minx + maxx) / 2.0)
    lat0 = round((miny + maxy) / 2.0)
    lon0 = max(-180, min(180, lon0))
    lat0 = max(-90, min(90, lat0))
    return CRS.from_proj4(
        f"+proj=laea +lat_0={lat0} +lon_0={lon0} +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
    )


def _sample_points(
    bounds_lonlat: tuple[float, float, float, float],
) -> tuple[np.ndarray, np.ndarray]:
    minx, miny, maxx, maxy = bounds_lonlat
    xs = np.linspace(minx, maxx, 5)
    ys = np.clip(np.linspace(miny, maxy, 5), -89.0, 89.0)
    gx, gy = np.meshgrid(xs, ys)
    return gx.ravel(), gy.ravel()


def require_equal_area(
    crs: CRS,
    bounds_lonlat: tuple[float, float, float, float] | None = None,
    force: bool = False,
) -> float:
    """Check that ``crs`` preserves area over the data's extent; return m² per squared CRS unit.

    The check is numerical: PROJ's areal scale factor must be 1 (± 1e-6) at a grid of points
    over the extent, so any equal-area projection passes (LAEA, Albers, Equal Earth, Mollweide…)
    and conformal ones (UTM, Web Mercator) fail. ``force`` turns the refusal into a warning.
    """
    if crs.is_geographic:
        raise CRSError(
            f"CRS {crs.name!r} is geographic (degrees): areas need an equal-area projection; "
            "drop --crs to let geotools choose one, or pass e.g. EPSG:3035"
        )
    if not crs.is_projected:
        raise CRSError(f"CRS {crs.name!r} is not a projected CRS; pass an equal-area projection")
    unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    m2_per_unit = float(unit) ** 2
    if bounds_lonlat is None:
        aou = crs.area_of_use
        bounds_lonlat = aou.bounds if aou is not None else (-10.0, -10.0, 10.0, 10.0)
    # Checked over the extent rounded outward to half degrees (a superset, so no weaker), which
    # lets the consecutive snapshots of an archive share one computation.
    x0, y0, x1, y1 = bounds_lonlat
    rounded = (
        max(-180.0, np.floor(x0 * 2) / 2),
        max(-90.0, np.floor(y0 * 2) / 2),
        min(180.0, np.ceil(x1 * 2) / 2),
        min(90.0, np.ceil(y1 * 2) / 2),
    )
    worst = _areal_error(crs.srs or crs.to_wkt(), rounded)
    if worst > AREAL_SCALE_TOLERANCE:
        msg = (
            f"CRS {crs.name!r} is not equal-area over the data (areal scale off by {worst:.2g}); "
            "areas would be wrong: drop --crs or pick an equal-area one (LAEA, Albers, EPSG:3035), "
            "or add --force-crs"
        )
        if not force:
            raise CRSError(msg)
        log.warning("forced: %s", msg)
    bias = _ellipsoid_bias(wkt(crs), rounded) if worst <= AREAL_SCALE_TOLERANCE else 0.0
    if abs(bias) > ELLIPSOID_TOLERANCE:
        msg = (
            f"CRS {crs.name!r} is equal-area on its own ellipsoid "
            f"({crs.ellipsoid.name if crs.ellipsoid else 'unknown'}), but its areas differ from "
            f"the WGS84 ellipsoid's by {bias:+.2e} over the data; pick an equal-area CRS on "
            "WGS84 (drop --crs, or e.g. EPSG:3035 on GRS80), or add --force-crs"
        )
        if not force:
            raise CRSError(msg)
        log.warning("forced: %s", msg)
    return m2_per_unit


@lru_cache(maxsize=64)
def _ellipsoid_bias(crs_wkt: str, bounds_lonlat: tuple[float, float, float, float]) -> float:
    """Relative difference between the area of a 1° square at the extent's centre measured in
    the CRS and its geodesic area on the WGS84 ellipsoid: a few 1e-8 for an equal-area CRS on
    WGS84 or GRS80 (the square's edges are straight in the CRS, geodesics on the ellipsoid),
    about 1e-4 for one on Clarke 1866 or International 1924."""
    x0, y0, x1, y1 = bounds_lonlat
    cx, cy = (x0 + x1) / 2, max(-88.0, min(88.0, (y0 + y1) / 2))
    square = shapely.box(cx - 0.5, cy - 0.5, cx + 0.5, cy + 0.5).segmentize(0.05)
    crs = CRS.from_wkt(crs_wkt)
    try:
        there = project(square, WGS84, crs)
    except Exception as exc:  # outside the CRS's domain: the areal-scale check decides
        log.debug("ellipsoid check of %s skipped: %s", crs.name, exc)
        return 0.0
    unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    measured = float(shapely.area(there)) * float(unit) ** 2
    geodesic = geodesic_area_m2(square)
    return measured / geodesic - 1.0 if geodesic else 0.0


@lru_cache(maxsize=256)
def _areal_error(crs_text: str, bounds_lonlat: tuple[float, float, float, float]) -> float:
    """Largest |areal scale − 1| of a CRS at a grid of points over the extent (inf: unknown)."""
    lons, lats = _sample_points(bounds_lonlat)
    try:
        factors = Proj(CRS.from_user_input(crs_text)).get_factors(lons, lats)
        scale = np.asarray(factors.areal_scale, dtype=float)
    except Exception as exc:  # PROJ cannot always compute factors (e.g. compound CRSs)
        scale = np.array([np.nan])
        log.debug("areal scale of %s not computable: %s", crs_text, exc)
    return float(np.nanmax(np.abs(scale - 1.0))) if np.isfinite(scale).any() else float("inf")


@lru_cache(maxsize=32)
def _transformer(src_wkt: str, dst_wkt: str) -> Transformer:
    return Transformer.from_crs(CRS.from_wkt(src_wkt), CRS.from_wkt(dst_wkt), always_xy=True)


#: WKT of the CRS objects seen lately: a series asks for it thousands of times (cache keys,
#: transformers), and pyproj rebuilds the text on every call.
_WKT: dict[int, tuple[CRS, str]] = {}


def wkt(crs: CRS) -> str:
    """``crs.to_wkt()``, memoised per CRS object (CRS objects are immutable)."""
    found = _WKT.get(id(crs))
    if found is not None and found[0] is crs:
        return found[1]
    text = crs.to_wkt()
    if len(_WKT) >= 64:
        _WKT.pop(next(iter(_WKT)))
    _WKT[id(crs)] = (crs, text)  # holding the object keeps its id from being reused
    return text


def transformer(src: CRS, dst: CRS) -> Transformer:
    """A cached always-xy transformer between two CRSs."""
    return _transformer(wkt(src), wkt(dst))


def project(geom: shapely.Geometry, src: CRS, dst: CRS) -> shapely.Geometry:
    """Reproject a shapely geometry (vectorised over its coordinates)."""
    if src.equals(dst, ignore_axis_order=True):
        return geom
    tr = transformer(src, dst)

    def _fn(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, _fn)


def lonlat_bounds(geom: shapely.Geometry, crs: CRS) -> tuple[float, float, float, float]:
    """Bounds in WGS84 lon/lat of a geometry in ``crs``."""
    if shapely.is_empty(geom):
        nan = float("nan")
        return (nan, nan, nan, nan)
    minx, miny, maxx, maxy = shapely.bounds(geom)
    if crs.equals(WGS84, ignore_axis_order=True) or crs.is_geographic:
        return (float(minx), float(miny), float(maxx), float(maxy))
    out = transformer(crs, WGS84).transform_bounds(minx, miny, maxx, maxy, densify_pts=21)
    return (float(out[0]), float(out[1]), float(out[2]), float(out[3]))


def geodesic_area_m2(geom_lonlat: shapely.Geometry) -> float:
    """Area on the WGS84 ellipsoid (pyproj.Geod) of a lon/lat (Multi)Polygon, holes subtracted."""
    if shapely.get_type_id(geom_lonlat) in (3, 6):  # issue 16: no shapely object per ring
        return _polygons_area(shapely.get_parts(geom_lonlat))
    total = 0.0
    for part in shapely.get_parts(geom_lonlat):
        if part.geom_type == "Polygon":
            total += _polygon_area(part)
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            total += geodesic_area_m2(part)
    return total


def _polygons_area(polys: np.ndarray) -> float:
    """Σ _polygon_area over polygons, the same Geod calls on the same coordinates (and sums
    in the same order), read from one coordinate array instead of a shapely object per ring
    (a big file's tens of thousands of parts took seconds)."""
    if len(polys) == 0:
        return 0.0
    _, coords, (ring_at, first) = shapely.to_ragged_array(polys)  # no copy of the geometry
    lons, lats = coords[:, 0].copy(), coords[:, 1].copy()
    area = _GEOD.polygon_area_perimeter
    total = 0.0
    for i in range(len(polys)):
        k, stop = int(first[i]), int(first[i + 1])  # the polygon's rings: exterior first
        if k == stop:  # an empty polygon
            continue
        ext, _ = area(lons[ring_at[k] : ring_at[k + 1]], lats[ring_at[k] : ring_at[k + 1]])
        holes = sum(
            abs(area(lons[ring_at[j] : ring_at[j + 1]], lats[ring_at[j] : ring_at[j + 1]])[0])
            for j in range(k + 1, stop)
        )
        total += abs(ext) - holes
    return total


def _polygon_area(poly: shapely.Polygon) -> float:
    # Orientation-independent: |exterior| − Σ|holes| (Geod signs areas by ring orientation).
    ext, _ = _GEOD.polygon_area_perimeter(*poly.exterior.xy)
    holes = sum(abs(_GEOD.polygon_area_perimeter(*r.xy)[0]) for r in poly.interiors)
    return abs(ext) - holes
