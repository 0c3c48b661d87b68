"""Hypothesis strategies for territorial-control geometries (public, reusable).

Modelled on ``xarray.testing.strategies``: every public name is a function returning a
``SearchStrategy`` (or a plain helper), documented, with keyword arguments to narrow it.

Geometries live in metres in an equal-area CRS (:data:`LAEA`, centred on 48°N 37°E), on a
grid of :data:`GRID_M` metres (circles add non-grid vertices), inside a square of
``GRID_STEPS × GRID_M`` metres (10 km; multipolygons use a few such columns side by side).
Every generated territory is valid, polygonal (Polygon or MultiPolygon), non-empty unless
asked, and has at most :data:`MAX_VERTICES` vertices, so each example costs milliseconds.

Building blocks::

    boxes(), discs()                    simple shapes on the grid
    holed_polygons()                    a Polygon with 1..n holes
    multipolygons()                     a MultiPolygon of disjoint parts, holes allowed
    territories()                       unions / differences of all the above
    territory_pairs()                   (before, after): independent, before edited, or mosaic
    mosaic_pairs()                      (before, after) from cells of one grid: shared edges
    split_features(geom)                the geometry cut into features by vertical strips
    reoriented(geom), rotated_rings(geom), scrambled(geom)
                                        same area and topology, different ring order / start
    region_grids(), equal_area_crs_specs()
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import shapely
import shapely.affinity
from hypothesis import assume
from hypothesis import strategies as st
from pyproj import CRS

__all__ = [
    "GRID_M",
    "GRID_STEPS",
    "LAEA",
    "LAEA_PROJ",
    "MAX_VERTICES",
    "boxes",
    "discs",
    "edited",
    "equal_area_crs_specs",
    "grid_values",
    "holed_polygons",
    "mosaic_pairs",
    "multipolygons",
    "n_vertices",
    "polygonal_part",
    "region_grids",
    "reoriented",
    "rotated_rings",
    "scrambled",
    "shapes",
    "split_features",
    "territories",
    "territory_pairs",
]

LAEA_PROJ = "+proj=laea +lat_0=48 +lon_0=37 +datum=WGS84 +units=m"
#: The CRS the generated coordinates are in (metres, equal-area).
LAEA = CRS.from_proj4(LAEA_PROJ)
#: One grid step, metres.
GRID_M = 250.0
#: Grid steps per side of the working square (40 × 250 m = 10 km).
GRID_STEPS = 40
#: Upper bound on vertices of any generated territory.
MAX_VERTICES = 100

Geometry = shapely.Geometry


# ---------------------------------------------------------------- plain helpers


def n_vertices(geom: Geometry) -> int:
    """Number of coordinates of a geometry (closing points included)."""
    return int(shapely.get_num_coordinates(geom))


def polygonal_part(geom: Geometry) -> Geometry:
    """Polygon / MultiPolygon made of the polygonal parts of ``geom`` (may be empty).

    Overlays of polygons can return GeometryCollections holding lines or points where
    boundaries touch; those carry no area and are left out.
    """
    if geom is None or shapely.is_empty(geom):
        return shapely.MultiPolygon()
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not polys:
        return shapely.MultiPolygon()
    return shapely.union_all(polys)


def _polygons(geom: Geometry) -> list[shapely.Polygon]:
    return [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]


def _rebuild(geom: Geometry, ring_fn: Callable[[np.ndarray], np.ndarray]) -> Geometry:
    """Apply ``ring_fn`` to the coordinates of every ring, keeping the geometry type."""
    polys = []
    for poly in _polygons(geom):
        shell = ring_fn(np.asarray(poly.exterior.coords))
        holes = [ring_fn(np.asarray(r.coords)) for r in poly.interiors]
        polys.append(shapely.Polygon(shell, holes))
    if geom.geom_type == "Polygon":
        return polys[0]
    return shapely.MultiPolygon(polys)


# ---------------------------------------------------------------- shapes


def grid_values(min_steps: int = 0, max_steps: int = GRID_STEPS) -> st.SearchStrategy[float]:
    """A coordinate on the grid, in metres: ``k × GRID_M`` for ``min_steps ≤ k ≤ max_steps``."""
    return st.integers(min_steps, max_steps).map(lambda k: k * GRID_M)


@st.composite
def boxes(
    draw: st.DrawFn, min_size: int = 1, max_size: int = 16, extent: int = GRID_STEPS
) -> shapely.Polygon:
    """An axis-aligned rectangle on the grid, ``min_size``..``max_size`` steps a side."""
    w = draw(st.integers(min_size, max_size))
    h = draw(st.integers(min_size, max_size))
    x0 = draw(st.integers(0, max(0, extent - w)))
    y0 = draw(st.integers(0, max(0, extent - h)))
    return shapely.box(x0 * GRID_M, y0 * GRID_M, (x0 + w) * GRID_M, (y0 + h) * GRID_M)


@st.composite
def discs(
    draw: st.DrawFn, min_radius: int = 1, max_radius: int = 8, max_quad_segs: int = 3
) -> shapely.Polygon:
    """A buffered grid point: a regular polygon with 4 × quad_segs vertices (≤ 12 by default)."""
    r = draw(st.integers(min_radius, max_radius))
    cx = draw(st.integers(r, GRID_STEPS - r))
    cy = draw(st.integers(r, GRID_STEPS - r))
    quad_segs = draw(st.integers(1, max_quad_segs))
    return shapely.Point(cx * GRID_M, cy * GRID_M).buffer(r * GRID_M, quad_segs=quad_segs)


def shapes() -> st.SearchStrategy[shapely.Polygon]:
    """A box or a disc."""
    return st.one_of(boxes(), discs())


@st.composite
def holed_polygons(draw: st.DrawFn, min_holes: int = 1, max_holes: int = 2) -> shapely.Polygon:
    """A rectangle with ``min_holes``..``max_holes`` holes (boxes or small discs) strictly inside.

    Holes keep one grid step from the shell; holes may overlap or touch each other (they merge
    into one hole), so the count of interiors is at least 1 when ``min_holes`` ≥ 1.
    """
    w = draw(st.integers(6, 20))
    h = draw(st.integers(6, 20))
    x0 = draw(st.integers(0, GRID_STEPS - w))
    y0 = draw(st.integers(0, GRID_STEPS - h))
    outer = shapely.box(x0 * GRID_M, y0 * GRID_M, (x0 + w) * GRID_M, (y0 + h) * GRID_M)
    holes = []
    for _ in range(draw(st.integers(min_holes, max_holes))):
        if draw(st.booleans()):
            hw = draw(st.integers(1, w - 2))
            hh = draw(st.integers(1, h - 2))
            hx = draw(st.integers(x0 + 1, x0 + w - 1 - hw))
            hy = draw(st.integers(y0 + 1, y0 + h - 1 - hh))
            holes.append(
                shapely.box(hx * GRID_M, hy * GRID_M, (hx + hw) * GRID_M, (hy + hh) * GRID_M)
            )
        else:
            r = draw(st.integers(1, max(1, (min(w, h) - 2) // 2)))
            cx = draw(st.integers(x0 + 1 + r, x0 + w - 1 - r))
            cy = draw(st.integers(y0 + 1 + r, y0 + h - 1 - r))
            quad_segs = draw(st.integers(1, 2))
            holes.append(
                shapely.Point(cx * GRID_M, cy * GRID_M).buffer(r * GRID_M, quad_segs=quad_segs)
            )
    poly = outer.difference(shapely.union_all(holes)) if holes else outer
    assert poly.geom_type == "Polygon" and poly.is_valid
    return poly


@st.composite
def multipolygons(draw: st.DrawFn, min_parts: int = 2, max_parts: int = 3) -> shapely.MultiPolygon:
    """A MultiPolygon of disjoint parts (holed polygons, boxes, discs), one per grid column."""
    parts = []
    for i in range(draw(st.integers(min_parts, max_parts))):
        part = draw(st.one_of(holed_polygons(), boxes(), discs()))
        parts.append(shapely.affinity.translate(part, xoff=i * (GRID_STEPS + 2) * GRID_M))
    geom = shapely.MultiPolygon(parts)
    assert geom.is_valid
    return geom


@st.composite
def territories(
    draw: st.DrawFn,
    min_holes: int = 0,
    allow_empty: bool = False,
    max_vertices: int = MAX_VERTICES,
) -> shapely.Geometry:
    """A valid Polygon or MultiPolygon: a union of holed polygons, multipolygons, boxes and
    discs, minus up to two boxes / discs. ``min_holes`` counts interior rings of all parts."""
    positives = draw(
        st.lists(
            st.one_of(holed_polygons(), multipolygons(max_parts=2), boxes(), discs()),
            min_size=1,
            max_size=3,
        )
    )
    negatives = draw(st.lists(shapes(), max_size=2))
    geom = shapely.union_all(positives)
    if negatives:
        geom = shapely.difference(geom, shapely.union_all(negatives))
    geom = polygonal_part(shapely.normalize(geom))
    assume(allow_empty or not geom.is_empty)
    assume(geom.is_valid)
    assume(n_vertices(geom) <= max_vertices)
    assume(sum(len(p.interiors) for p in _polygons(geom)) >= min_holes)
    return geom


@st.composite
def edited(draw: st.DrawFn, geom: Geometry, max_edits: int = 3) -> shapely.Geometry:
    """``geom`` with up to ``max_edits`` boxes / discs added or cut out (a moved front line).

    May be empty (everything lost) and may equal ``geom`` (no edit).
    """
    out = geom
    for _ in range(draw(st.integers(0, max_edits))):
        shape = draw(shapes())
        out = shapely.union(out, shape) if draw(st.booleans()) else shapely.difference(out, shape)
    out = polygonal_part(out)
    assume(out.is_valid and n_vertices(out) <= MAX_VERTICES)
    return out


@st.composite
def mosaic_pairs(draw: st.DrawFn, max_cuts: int = 4) -> tuple[Geometry, Geometry]:
    """(before, after) built from the cells of one random grid, each cell held by neither,
    before, after or both, plus a large block held by both far to the side.

    Cells of one grid share exact edges, so before and after share boundary segments with
    their interiors on the same or on opposite sides (a front line that did not move, a
    strip that changed hands); the common block makes the changed part a small share of the
    extent, the case diff engines that localise the overlay are built for.
    """
    xs = sorted({0, GRID_STEPS, *draw(st.sets(st.integers(1, GRID_STEPS - 1), max_size=max_cuts))})
    ys = sorted({0, GRID_STEPS, *draw(st.sets(st.integers(1, GRID_STEPS - 1), max_size=max_cuts))})
    held: dict[str, list[Geometry]] = {"before": [], "after": []}
    for x0, x1 in itertools.pairwise(xs):
        for y0, y1 in itertools.pairwise(ys):
            owner = draw(st.sampled_from(["none", "before", "after", "both"]))
            cell = shapely.box(x0 * GRID_M, y0 * GRID_M, x1 * GRID_M, y1 * GRID_M)
            for side in ("before", "after"):
                if owner in (side, "both"):
                    held[side].append(cell)
    big = shapely.affinity.scale(draw(holed_polygons()), 3.0, 3.0, origin=(0.0, 0.0))
    block = shapely.affinity.translate(big, xoff=2 * GRID_STEPS * GRID_M)
    before = polygonal_part(shapely.union_all([*held["before"], block]))
    after = polygonal_part(shapely.union_all([*held["after"], block]))
    assume(n_vertices(before) <= MAX_VERTICES and n_vertices(after) <= MAX_VERTICES)
    return before, after


@st.composite
def territory_pairs(draw: st.DrawFn) -> tuple[Geometry, Geometry]:
    """(before, after): independent territories, ``before`` edited, or a grid mosaic."""
    kind = draw(st.sampled_from(["independent", "edited", "mosaic"]))
    if kind == "mosaic":
        return draw(mosaic_pairs())
    before = draw(territories())
    after = draw(territories()) if kind == "independent" else draw(edited(before))
    return before, after


# ---------------------------------------------------------------- rewriting helpers


@st.composite
def split_features(
    draw: st.DrawFn, geom: Geometry, max_strips: int = 4, overlap: bool = True
) -> list[Geometry]:
    """``geom`` cut into features by random vertical strips (x cuts on the grid), shuffled.

    Pieces are the raw overlay results, so some are GeometryCollections holding the lines where
    a cut runs along an edge (as real exports do). With ``overlap`` a piece may be repeated
    (overlapping features), and MultiPolygon pieces may be exploded into several features.
    The union of the pieces' polygonal parts is ``geom``.
    """
    minx, miny, maxx, maxy = geom.bounds
    lo, hi = int(np.floor(minx / GRID_M)), int(np.ceil(maxx / GRID_M))
    cuts = draw(st.lists(st.integers(lo, hi), max_size=max_strips - 1, unique=True))
    xs = [minx - GRID_M, *sorted(c * GRID_M for c in cuts), maxx + GRID_M]
    pieces: list[Geometry] = []
    for x0, x1 in itertools.pairwise(xs):
        if x1 <= x0:
            continue
        piece = shapely.intersection(geom, shapely.box(x0, miny - GRID_M, x1, maxy + GRID_M))
        if piece.is_empty:
            continue
        if piece.geom_type == "MultiPolygon" and draw(st.booleans()):
            pieces.extend(shapely.get_parts(piece))
        else:
            pieces.append(piece)
    if overlap and pieces and draw(st.booleans()):
        pieces.append(pieces[draw(st.integers(0, len(pieces) - 1))])
    return list(draw(st.permutations(pieces)))


@st.composite
def reoriented(draw: st.DrawFn, geom: Geometry) -> Geometry:
    """``geom`` with each ring independently clockwise or counter-clockwise.

    Either one ``shapely.orient_polygons`` convention for the whole geometry, or a random
    reversal per ring (which breaks every convention while staying valid).
    """
    mode = draw(st.sampled_from(["ccw-shell", "cw-shell", "per-ring"]))
    if mode != "per-ring" and hasattr(shapely, "orient_polygons"):  # shapely ≥ 2.1
        return shapely.orient_polygons(geom, exterior_cw=mode == "cw-shell")
    return _rebuild(geom, lambda c: c[::-1] if draw(st.booleans()) else c)


@st.composite
def rotated_rings(draw: st.DrawFn, geom: Geometry) -> Geometry:
    """``geom`` with every ring starting at a random vertex (same ring, same orientation)."""

    def rotate(coords: np.ndarray) -> np.ndarray:
        open_ring = coords[:-1]
        k = draw(st.integers(0, len(open_ring) - 1))
        ring = np.roll(open_ring, -k, axis=0)
        return np.vstack([ring, ring[:1]])

    return _rebuild(geom, rotate)


@st.composite
def scrambled(draw: st.DrawFn, geom: Geometry) -> Geometry:
    """``geom`` with random start vertices and ring orientations, parts in random order."""
    out = draw(reoriented(draw(rotated_rings(geom))))
    if out.geom_type == "MultiPolygon":
        out = shapely.MultiPolygon(list(draw(st.permutations(list(out.geoms)))))
    return out


# ---------------------------------------------------------------- regions and CRSs


@st.composite
def region_grids(
    draw: st.DrawFn, max_cuts: int = 3, allow_gaps: bool = True
) -> tuple[list[str], list[Geometry]]:
    """A grid of disjoint rectangular regions (codes ``R<col><row>``) near the data square.

    The grid's extent is shifted by up to a quarter of the square so that some territory
    falls outside it; with ``allow_gaps`` some cells are dropped (gaps inside the layer).
    At least one cell is kept.
    """
    shift = GRID_STEPS // 4
    x0 = draw(st.integers(-shift, shift))
    y0 = draw(st.integers(-shift, shift))
    x1 = x0 + GRID_STEPS + draw(st.integers(-shift, shift))
    y1 = y0 + GRID_STEPS + draw(st.integers(-shift, shift))
    xcuts = sorted(draw(st.sets(st.integers(x0 + 1, x1 - 1), max_size=max_cuts)))
    ycuts = sorted(draw(st.sets(st.integers(y0 + 1, y1 - 1), max_size=max_cuts)))
    xs, ys = [x0, *xcuts, x1], [y0, *ycuts, y1]
    codes, geoms = [], []
    for i, (a, b) in enumerate(itertools.pairwise(xs)):
        for j, (c, d) in enumerate(itertools.pairwise(ys)):
            codes.append(f"R{i}{j}")
            geoms.append(shapely.box(a * GRID_M, c * GRID_M, b * GRID_M, d * GRID_M))
    keep = [True] * len(codes)
    if allow_gaps and len(codes) > 1:
        keep = draw(st.lists(st.booleans(), min_size=len(codes), max_size=len(codes)))
        if not any(keep):
            keep[0] = True
    return (
        [c for c, k in zip(codes, keep, strict=True) if k],
        [g for g, k in zip(geoms, keep, strict=True) if k],
    )


def equal_area_crs_specs() -> st.SearchStrategy[str]:
    """An equal-area CRS near the data, as text for ``CRS.from_user_input``.

    EPSG:3035 (ETRS89-extended / LAEA Europe), EPSG:6933 (WGS 84 / NSIDC EASE-Grid 2.0
    Global, cylindrical equal-area), or a LAEA on WGS84 whose centre lies within 2° of the
    data (quarter-degree steps).
    """
    laea = st.builds(
        lambda lat, lon: f"+proj=laea +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m",
        st.integers(-8, 8).map(lambda k: 48 + k / 4),
        st.integers(-8, 8).map(lambda k: 37 + k / 4),
    )
    return st.one_of(st.sampled_from(["EPSG:3035", "EPSG:6933"]), laea)
