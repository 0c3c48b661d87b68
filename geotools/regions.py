"""Region layers: reading, naming through the registry, tiling checks, allocation of area.

Overlap rule: where regions overlap, the area belongs to the region whose code sorts first
(so no area counts twice); gaps between regions belong to ``outside``, like everything
beyond the layer.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Sequence
from dataclasses import InitVar, dataclass, field
from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS

from geotools.clean import polygonal
from geotools.crs import WGS84, project, require_equal_area
from geotools.errors import DataError, UsageError
from geotools.read import read_raw
from geotools.registry import Registry, load_registry
from geotools.snapshot import M2_PER_KM2

log = logging.getLogger(__name__)

OUTSIDE = "outside"
#: Grid size for cutting regions into pieces (see RegionLayer.tiles).
TILE_SIZE_M = 20_000.0
OUTSIDE_NAME = "Outside all regions"
TOTAL_NAME = "Total"
CODE_FIELDS = ("shapeISO", "ISO_3166_2", "iso_3166_2", "ISO3166_2", "iso", "ISO", "code", "CODE")
NAME_FIELDS = ("shapeName", "name_en", "NAME_EN", "NAME_1", "name", "NAME", "ADM1_EN")


@dataclass
class TilingReport:
    """How cleanly a region layer tiles: overlaps and gaps between its units."""

    overlaps: list[tuple[str, str, float]] = field(default_factory=list)  # code, code, km²
    gap_count: int = 0
    gap_km2: float = 0.0
    unknown_names: list[str] = field(default_factory=list)
    # (code, why) of features without area ("null", "empty", "no polygon", "… part" when the
    # region has other features): the region is kept, the feature counts zero
    no_geometry: list[tuple[str, str]] = field(default_factory=list)

    @property
    def overlap_km2(self) -> float:
        """Total overlapping area (counted once, assigned by the overlap rule)."""
        return sum(a for _, _, a in self.overlaps)

    def summary(self, geometry: bool = True) -> str:
        """One line for the log (``geometry``: with the regions lacking geometry)."""
        bits = [f"{len(self.overlaps)} overlapping pairs ({self.overlap_km2:.6g} km²)"]
        bits.append(f"{self.gap_count} gaps inside the layer ({self.gap_km2:.6g} km²)")
        if self.unknown_names:
            bits.append("names not in the registry: " + ", ".join(self.unknown_names))
        if self.no_geometry and geometry:
            bits.append("null or empty geometry (zero area): " + _listed(self.no_geometry))
        return "; ".join(bits)


def _listed(no_geometry: list[tuple[str, str]]) -> str:
    return ", ".join(f"{code} ({why})" for code, why in no_geometry)


def warn_no_geometry(source: str, tiling: TilingReport, names: dict[str, str]) -> None:
    """One warning line naming the layer and its regions without geometry (if any): their
    rows stay in every table with zero area, so nothing disappears silently."""
    if tiling.no_geometry:
        listed = ", ".join(f"{c} {names.get(c, c)} ({why})" for c, why in tiling.no_geometry)
        # once per command: a worker process (series' pool) builds the layer again, after or
        # while the main process, which has said it, builds it
        say = log.warning if multiprocessing.parent_process() is None else log.info
        say(
            "%s: %d region feature(s) with null or empty geometry, counted as zero area (the "
            "rows stay): %s",
            source,
            len(tiling.no_geometry),
            listed,
        )


@dataclass
class RegionLayer:
    """Disjoint region geometries in an equal-area CRS, with codes and display names."""

    codes: list[str]
    names: list[str]
    geometries: np.ndarray
    crs: CRS
    source: str
    tiling: TilingReport
    m2_per_unit: float = 1.0
    union: shapely.Geometry = field(init=False)
    # issue 20 (flat-speed): the union as stored with the layer in the cache (a pure function
    # of the geometries), so a worker does not compute it again
    known_union: InitVar[shapely.Geometry | None] = None

    def __post_init__(self, known_union: shapely.Geometry | None) -> None:
        self.union = _union(self.geometries) if known_union is None else known_union
        shapely.prepare(self.union)
        self._tiles: tuple[np.ndarray, np.ndarray, shapely.STRtree] | None = None

    def tiles(self) -> tuple[np.ndarray, np.ndarray, shapely.STRtree]:
        """The regions cut along a square grid (pieces, owning region index, index tree).

        A change overlaps a few small pieces instead of a few whole oblasts with thousands of
        vertices each, so allocating it is cheap; the pieces partition each region exactly.
        """
        if self._tiles is None:
            size = TILE_SIZE_M / self.m2_per_unit**0.5
            pieces, owners = [], []
            for i, geom in enumerate(self.geometries):
                if shapely.is_empty(geom):  # wholly inside an earlier region (overlap rule)
                    continue
                x0, y0, x1, y1 = shapely.bounds(geom)
                # --- issue 20 (flat-speed): only the cells the region meets (one prepared
                # test for all); a cell it does not meet would clip to nothing ---
                cells = [
                    (cx, cy)
                    for cx in np.arange(np.floor(x0 / size) * size, x1, size)
                    for cy in np.arange(np.floor(y0 / size) * size, y1, size)
                ]
                for cx, cy in _met_cells(geom, cells, size):
                    # --- end ---
                    piece = shapely.clip_by_rect(geom, cx, cy, cx + size, cy + size)
                    if shapely.is_empty(piece):
                        continue
                    if not shapely.is_valid(piece):  # rectangle clipping can be dirty
                        piece = shapely.intersection(
                            geom, shapely.box(cx, cy, cx + size, cy + size)
                        )
                    piece = polygonal(piece)
                    if not shapely.is_empty(piece):
                        pieces.append(piece)
                        owners.append(i)
            self.set_tiles(np.asarray(pieces, dtype=object), np.asarray(owners))
        assert self._tiles is not None
        return self._tiles

    def set_tiles(self, pieces: np.ndarray, owners: np.ndarray) -> None:
        """Use ``pieces``/``owners`` (as :meth:`tiles` makes them, or from the cache)."""
        shapely.prepare(pieces)  # for the containment tests of allocate
        self._tiles = (pieces, owners.astype(np.int64), shapely.STRtree(pieces))

    def name_of(self, code: str) -> str:
        """Display name of a code (also for ``total`` and ``outside``)."""
        if code == OUTSIDE:
            return OUTSIDE_NAME
        if code == "total":
            return TOTAL_NAME
        return self.names[self.codes.index(code)]

    def areas_m2(self) -> dict[str, float]:
        """Area of each region (after the overlap rule), m²."""
        areas = shapely.area(self.geometries) * self.m2_per_unit
        return dict(zip(self.codes, (float(a) for a in areas), strict=True))

    def allocate(self, geom: shapely.Geometry) -> dict[str, float]:
        """Area (m²) of ``geom`` in each region it touches, plus ``outside``.

        Regions are disjoint, so the values add up to the area of ``geom``.
        """
        return self.allocate_many([geom])[0]

    def allocate_many(self, geoms: Sequence[shapely.Geometry | None]) -> list[dict[str, float]]:
        """``allocate`` of each geometry, in one pass (issue 20: a raw pair allocates a dozen
        small changes; each alone paid the pass's fixed costs). The same values: every
        geometry's parts meet the same tiles in the same order, and its sums run over them
        in that order."""
        out: list[dict[str, float]] = [{} for _ in geoms]
        todo = [k for k, g in enumerate(geoms) if g is not None and not shapely.is_empty(g)]
        if not todo:
            return out
        tiles, owners, tree = self.tiles()
        chosen = np.empty(len(todo), dtype=object)
        chosen[:] = [geoms[k] for k in todo]
        # Each part of a change against the tiles its box meets: small × small overlays
        # (cheaper than an exact predicate of the whole change against every tile).
        parts, of_geom = shapely.get_parts(chosen, return_index=True)
        part_idx, hits = tree.query(parts)
        areas = np.zeros(len(hits))
        if len(hits):
            # A part strictly inside one tile (most, at 20 km) is all that tile's: its own
            # area, no overlay, and its other candidate tiles hold none of it.
            whole = shapely.contains_properly(tiles[hits], parts[part_idx])
            alone = np.zeros(len(parts), dtype=bool)
            alone[part_idx[whole]] = True
            cut = ~whole & ~alone[part_idx]
            areas[whole] = shapely.area(parts[part_idx[whole]])
            # A part across tiles of one region only, strictly inside the regions' union, is
            # all that region's (every tile it meets is among its candidates, so it meets no
            # other region): its own area on its first candidate row, no overlay (issue 20:
            # the centimetre slivers of a day DeepState redraws cross tile edges by the
            # thousand)
            cut[_one_region(parts, part_idx, owners[hits], cut, self.union, areas)] = False
            areas[cut] = shapely.area(
                shapely.intersection(
                    tiles[hits[cut]], _near(parts[part_idx[cut]], tiles[hits[cut]])
                )
            )
            areas *= self.m2_per_unit
        hit_geom = of_geom[part_idx]  # ascending: parts come geometry by geometry
        bounds = np.searchsorted(hit_geom, np.arange(len(todo) + 1))
        totals = shapely.area(chosen) * self.m2_per_unit
        within = np.zeros(len(todo), dtype=bool)
        has_hits = bounds[1:] > bounds[:-1]
        if has_hits.any():
            within[has_hits] = shapely.contains_properly(self.union, chosen[has_hits])
        for n, k in enumerate(todo):
            got = out[k]
            lo, hi = int(bounds[n]), int(bounds[n + 1])
            inside = 0.0
            if hi > lo:
                mine = areas[lo:hi]
                per_region = np.bincount(
                    owners[hits[lo:hi]], weights=mine, minlength=len(self.codes)
                )
                for i in np.flatnonzero(per_region > 0):
                    got[self.codes[int(i)]] = float(per_region[i])
                inside = float(mine.sum())
            total = float(totals[n])
            if hi == lo:
                outside = total
            elif within[n]:
                outside = 0.0
            else:
                # The tiles partition the regions, so what is not inside a tile is outside;
                # this spares an overlay against the whole country's outline. Float noise is
                # not area.
                outside = total - inside
                if outside <= 1e-9 * total:
                    outside = 0.0
            if outside > 0:
                got[OUTSIDE] = outside
        return out


def _one_region(
    parts: np.ndarray,
    part_idx: np.ndarray,
    hit_owner: np.ndarray,
    cut: np.ndarray,
    union: shapely.Geometry,
    areas: np.ndarray,
) -> np.ndarray:
    """The candidate rows (of ``cut``: parts across several tiles) whose part meets the tiles
    of one region only and lies strictly inside the regions' ``union`` (prepared): such a part
    is inside that region, so its area goes on its first row (written in ``areas``) and the
    other rows hold none."""
    rows = np.flatnonzero(cut)
    out = np.zeros(len(cut), dtype=bool)
    if len(rows) == 0:
        return out
    # each cut part's rows made contiguous (STRtree.query gives them so already): one region
    # when the least and the greatest owner of its rows are the same
    rows = rows[np.argsort(part_idx[rows], kind="stable")]
    mine = part_idx[rows]
    starts = np.flatnonzero(np.r_[True, mine[1:] != mine[:-1]])
    ends = np.r_[starts[1:], len(rows)]
    owner = hit_owner[rows]
    low = np.minimum.reduceat(owner, starts)
    high = np.maximum.reduceat(owner, starts)
    single = np.flatnonzero(low == high)
    if len(single) == 0:
        return out
    ok = single[shapely.contains_properly(union, parts[mine[starts[single]]])]
    areas[rows[starts[ok]]] = shapely.area(parts[mine[starts[ok]]])
    taken = np.zeros(len(starts), dtype=bool)
    taken[ok] = True
    out[rows[np.repeat(taken, ends - starts)]] = True
    return out


def _met_cells(
    geom: shapely.Geometry, cells: list[tuple[float, float]], size: float
) -> list[tuple[float, float]]:
    """The grid cells (lower-left corners, side ``size``) that ``geom`` meets (issue 20): the
    rectangle clipper reads every vertex of the region for each cell, and about a third of
    the cells of an oblast's bounding box lie wholly outside it."""
    if not cells:
        return []
    xy = np.asarray(cells, dtype=np.float64)
    boxes = shapely.box(xy[:, 0], xy[:, 1], xy[:, 0] + size, xy[:, 1] + size)
    prepared = bool(shapely.is_prepared(geom))
    shapely.prepare(geom)
    met = shapely.intersects(geom, boxes)
    if not prepared:
        shapely.destroy_prepared(geom)
    return [c for c, m in zip(cells, met.tolist(), strict=True) if m]


#: Parts with more vertices than this are cut to a tile's box before the overlay with it.
NEAR_VERTICES = 500


def _near(parts: np.ndarray, tiles: np.ndarray) -> np.ndarray:
    """Each large part cut to the box of the tile it is overlaid with (GEOS's rectangle
    clipper, a linear pass): the overlay then nodes the part's edges near the tile only, not
    all of a whole snapshot's (the first stocks of a run, 7 s on a 100× densified archive).
    A tile lies within its box, so the overlay is unchanged; a cut piece that is not valid
    (the clipper can leave one) gives way to the whole part."""
    out = parts.copy()
    big = np.flatnonzero(shapely.get_num_coordinates(parts) > NEAR_VERTICES)
    for i in big:
        x0, y0, x1, y1 = shapely.bounds(tiles[i]).tolist()
        piece = shapely.clip_by_rect(parts[i], x0, y0, x1, y1)
        if shapely.is_valid(piece):
            out[i] = piece
    return out


def _pick(fields: list[str], wanted: str | None, candidates: tuple[str, ...], path: Path) -> str:
    if wanted is not None:
        if wanted not in fields:
            raise UsageError(
                f"region layer has no property {wanted!r} (properties: {', '.join(fields)}); "
                "check --region-field",
                path,
            )
        return wanted
    for cand in candidates:
        if cand in fields:
            return cand
    raise UsageError(
        f"cannot tell which property names the regions (properties: {', '.join(fields)}); "
        "pass --region-field",
        path,
    )


def read_regions(
    path: str | Path,
    crs: CRS,
    region_field: str | None = None,
    registry: Registry | None = None,
    layer: str | None = None,
) -> RegionLayer:
    """Read a polygon layer of regions into ``crs``, named through the registry.

    The code is the registry's ISO code when the field value (a code or any known spelling)
    is in the registry; otherwise the value itself, and the name is reported as unknown.
    """
    path = Path(path)
    registry = registry or load_registry()
    raw = read_raw(path, layer, None)  # every property: one read (KML/KMZ checked first)
    fields = raw.fields
    key_field = _pick(fields, region_field, CODE_FIELDS + NAME_FIELDS, path)
    name_field = next((f for f in NAME_FIELDS if f in fields), key_field)
    src = raw.crs or WGS84
    tiling = TilingReport()
    by_code: dict[str, list[shapely.Geometry]] = {}
    names: dict[str, str] = {}
    for geom, key, label in zip(
        raw.geometries, raw.attributes[key_field], raw.attributes[name_field], strict=True
    ):
        code = registry.lookup(str(key)) or registry.lookup(str(label))
        if code is None:
            code = str(key).strip()
            tiling.unknown_names.append(code)
            names[code] = str(label).strip()
        else:
            names[code] = registry.name(code) or str(label)
        # A null or empty geometry (or one with no polygonal part) keeps its region, with zero
        # area, and is reported: a region must not vanish from the tables without a word.
        if geom is None or shapely.is_empty(geom):
            tiling.no_geometry.append((code, "null" if geom is None else "empty"))
            by_code.setdefault(code, [])
            continue
        geom = polygonal(shapely.make_valid(shapely.force_2d(geom)))
        if shapely.is_empty(geom):
            tiling.no_geometry.append((code, "no polygon"))
            by_code.setdefault(code, [])
            continue
        by_code.setdefault(code, []).append(geom)
    if not any(by_code.values()):
        raise DataError("region layer has no polygons; check the file and --layer", path)
    # a region whose other features have area keeps that area: only this part counts zero
    tiling.no_geometry = sorted(
        (c, f"{w} part" if by_code[c] else w) for c, w in tiling.no_geometry
    )
    codes = sorted(by_code)
    merged = [
        project(by_code[c][0] if len(by_code[c]) == 1 else shapely.union_all(by_code[c]), src, crs)
        if by_code[c]
        else shapely.MultiPolygon()
        for c in codes
    ]
    merged = [polygonal(shapely.make_valid(g)) for g in merged]
    m2_per_unit = require_equal_area(crs, None)
    # issue 20: regions that form a clean coverage (their coverage union is valid and holds
    # the sum of their areas) do not overlap: the overlap rule has nothing to do, and that
    # union is the layer's (the same call RegionLayer would make)
    clean = _coverage_union(np.asarray(merged, dtype=object))
    geoms = merged if clean is not None else _resolve_overlaps(codes, merged, tiling, m2_per_unit)
    out = RegionLayer(
        codes=codes,
        names=[names[c] for c in codes],
        geometries=np.asarray(geoms, dtype=object),
        crs=crs,
        source=str(path),
        tiling=tiling,
        m2_per_unit=m2_per_unit,
        known_union=clean,
    )
    _measure_gaps(out.union, tiling, m2_per_unit)
    if tiling.unknown_names:
        # A layer none of whose names is in the registry is simply another country's or
        # another scheme's regions: said at info level. Only a layer mixing known and unknown
        # names (a misspelt oblast among the others) is worth a warning.
        mixed = len(set(tiling.unknown_names)) < len(codes)
        log.log(
            logging.WARNING if mixed else logging.INFO,
            "%s: %d region names not in the registry, kept as they are: %s",
            path,
            len(tiling.unknown_names),
            ", ".join(tiling.unknown_names),
        )
    warn_no_geometry(str(path), tiling, dict(zip(out.codes, out.names, strict=True)))
    if tiling.overlaps or tiling.gap_count:
        log.warning("%s does not tile cleanly: %s", path, tiling.summary(geometry=False))
    else:
        log.info("%s: %d regions, no overlaps, no gaps", path, len(codes))
    return out


def _resolve_overlaps(
    codes: list[str], geoms: list[shapely.Geometry], tiling: TilingReport, m2_per_unit: float
) -> list[shapely.Geometry]:
    """Apply the overlap rule: each region minus every region whose code sorts before it."""
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    later = left > right
    left, right = left[later], right[later]
    # Neighbours share a border (a line); only interiors that meet in 2-D overlap. The DE-9IM
    # test is several times cheaper than computing every intersection.
    arr = np.asarray(geoms, dtype=object)
    meet = shapely.relate_pattern(arr[left], arr[right], "2********")
    earlier: dict[int, list[int]] = {}
    for i, j in zip(left[meet].tolist(), right[meet].tolist(), strict=True):
        shared = polygonal(shapely.intersection(geoms[i], geoms[j]))
        area = float(shapely.area(shared)) * m2_per_unit / M2_PER_KM2
        if area > 0:
            tiling.overlaps.append((codes[j], codes[i], area))
            earlier.setdefault(i, []).append(j)
    out = list(geoms)
    for i, prior in earlier.items():
        out[i] = polygonal(
            shapely.difference(geoms[i], shapely.union_all([geoms[j] for j in prior]))
        )
    return out


def _union(geoms: np.ndarray) -> shapely.Geometry:
    """The union of disjoint regions: the fast coverage union when the regions form a clean
    coverage, else the general union."""
    if len(geoms) == 0:
        return shapely.MultiPolygon()
    fast = _coverage_union(geoms)
    return fast if fast is not None else shapely.union_all(geoms)


def _coverage_union(geoms: np.ndarray) -> shapely.Geometry | None:
    """GEOS's coverage union of the regions when they form a clean coverage (checked: the
    union is valid and its area is the sum of theirs, so no two overlap), else None."""
    if len(geoms) == 0:
        return None
    try:
        fast = shapely.coverage_union_all(geoms)
    except shapely.errors.GEOSException:
        return None
    if not shapely.is_valid(fast):
        return None
    total = float(shapely.area(geoms).sum())
    if abs(float(shapely.area(fast)) - total) <= 1e-9 * max(total, 1.0):
        return fast
    return None


def _measure_gaps(union: shapely.Geometry, tiling: TilingReport, m2_per_unit: float) -> None:
    holes = [shapely.Polygon(r) for p in shapely.get_parts(union) for r in p.interiors]
    tiling.gap_count = len(holes)
    tiling.gap_km2 = sum(h.area for h in holes) * m2_per_unit / M2_PER_KM2


#: The blob holding a layer's tiles in its cache entry (no region code starts with NUL).
_TILES = "\x00tiles"
#: The blob holding the union of a layer's regions (issue 20; an entry without it still reads).
_UNION = "\x00union"


@dataclass(frozen=True)
class RegionSpec:
    """Where to read a region layer from; built into a RegionLayer once the CRS is known."""

    path: Path
    region_field: str | None = None
    layer: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))

    def build(self, crs: CRS, use_cache: bool = True) -> RegionLayer:
        """Read the layer into ``crs`` (from the cache when this file was read before)."""
        if not use_cache:
            return read_regions(self.path, crs, self.region_field, layer=self.layer)
        from geotools import cache

        # "regions2": entries from before null/empty regions were kept lack their rows
        settings = f"regions2|{crs.to_wkt()}|{self.region_field}|{self.layer}"
        key = cache.snapshot_key(self.path, settings)
        hit = cache.load_parsed(key)
        if hit is not None:
            meta, blobs = hit
            codes = list(meta["codes"])
            tiling = TilingReport(
                overlaps=[(a, b, float(x)) for a, b, x in meta["tiling"]["overlaps"]],
                gap_count=int(meta["tiling"]["gap_count"]),
                gap_km2=float(meta["tiling"]["gap_km2"]),
                unknown_names=list(meta["tiling"]["unknown_names"]),
                no_geometry=[(c, w) for c, w in meta["tiling"].get("no_geometry", [])],
            )
            warn_no_geometry(str(self.path), tiling, dict(zip(codes, meta["names"], strict=True)))
            layer = RegionLayer(
                codes=codes,
                names=list(meta["names"]),
                geometries=np.asarray([shapely.from_wkb(blobs[c]) for c in codes], dtype=object),
                crs=crs,
                source=str(self.path),
                tiling=tiling,
                m2_per_unit=float(meta["m2_per_unit"]),
                known_union=shapely.from_wkb(blobs[_UNION]) if _UNION in blobs else None,
            )
            if _TILES in blobs and "tile_owners" in meta:
                # the tiling is a pure function of the layer: stored with it, not rebuilt
                pieces = shapely.get_parts(shapely.from_wkb(blobs[_TILES]))
                layer.set_tiles(pieces, np.asarray(meta["tile_owners"], dtype=np.int64))
            return layer
        layer = read_regions(self.path, crs, self.region_field, layer=self.layer)
        pieces, owners, _ = layer.tiles()
        meta = {
            "tile_owners": owners.tolist(),
            "codes": layer.codes,
            "names": layer.names,
            "m2_per_unit": layer.m2_per_unit,
            "tiling": {
                "overlaps": layer.tiling.overlaps,
                "gap_count": layer.tiling.gap_count,
                "gap_km2": layer.tiling.gap_km2,
                "unknown_names": layer.tiling.unknown_names,
                "no_geometry": layer.tiling.no_geometry,
            },
        }
        blobs = {c: shapely.to_wkb(g) for c, g in zip(layer.codes, layer.geometries, strict=True)}
        blobs[_TILES] = shapely.to_wkb(shapely.geometrycollections(pieces))
        blobs[_UNION] = shapely.to_wkb(layer.union)
        cache.store_parsed(key, meta, blobs)
        return layer


def land_mask(crs: CRS, path: str | Path | None = None) -> shapely.Geometry:
    """The land polygon (shipped Natural Earth 10m clip unless ``path``) in ``crs``."""
    from importlib import resources

    if path is None:
        ref = resources.files("geotools.shapes").joinpath(
            "land", "ne10m_land_21E-41E_43.5N-53N.geojson.gz"
        )
        path = Path(str(ref))
    raw = read_raw(Path(path))
    geom = polygonal(shapely.union_all(shapely.make_valid(raw.geometries)))
    return polygonal(shapely.make_valid(project(geom, raw.crs or WGS84, crs)))


def clip_layer(layer: RegionLayer, mask: shapely.Geometry) -> RegionLayer:
    """The same regions restricted to ``mask`` (e.g. land only)."""
    clipped = [polygonal(shapely.intersection(g, mask)) for g in layer.geometries]
    return RegionLayer(
        codes=list(layer.codes),
        names=list(layer.names),
        geometries=np.asarray(clipped, dtype=object),
        crs=layer.crs,
        source=f"{layer.source} ∩ land",
        tiling=layer.tiling,
        m2_per_unit=layer.m2_per_unit,
    )


def select_codes(
    layer: RegionLayer, wanted: list[str], registry: Registry | None = None
) -> set[str]:
    """Codes for a user's ``--region`` values (codes or names); UsageError for unknown ones."""
    registry = registry or load_registry()
    chosen: set[str] = set()
    for value in wanted:
        code = registry.lookup(value)
        if code is None and value in layer.codes:
            code = value
        if code is None or code not in layer.codes:
            raise UsageError(
                f"unknown region {value!r}; use an ISO code like UA-14 or a name like Donetsk "
                f"(layer has {', '.join(layer.codes[:6])}…)"
            )
        chosen.add(code)
    return chosen


def region_spec(
    regions: RegionSpec | str | Path | None,
    region_field: str | None = None,
    region_filter: Sequence[str] | None = None,
) -> RegionSpec | None:
    """A RegionSpec for what a user gives as ``regions=`` (``--by``): a RegionSpec, a polygon
    file, or ``geoboundaries:ISO3:ADMn`` (fetched once, cached, checked against its pin).

    Examples
    --------
    >>> region_spec("geoBoundaries-UKR-ADM1.geojson.gz")  # doctest: +SKIP
    RegionSpec(path=PosixPath('geoBoundaries-UKR-ADM1.geojson.gz'), region_field=None, ...)

    A ``region_filter`` without regions is refused: there would be no region to pick.
    """
    if region_filter and regions is None:
        raise UsageError(
            "region_filter= (--region) needs regions= (--by): there are no regions to pick from"
        )
    if regions is None or isinstance(regions, RegionSpec):
        if region_field is not None and isinstance(regions, RegionSpec):
            return RegionSpec(regions.path, region_field, regions.layer)
        return regions
    text = str(regions)
    if not text:
        return None
    path = Path(text)
    if ":" in text:  # perhaps geoboundaries:…; a plain path spares importing the fetcher
        from geotools.fetch import boundaries

        path = boundaries.resolve(text) if boundaries.is_spec(text) else Path(text)
    if not path.exists():
        raise UsageError(f"no such region file {text!r}; check regions= (--by)")
    return RegionSpec(path, region_field)
