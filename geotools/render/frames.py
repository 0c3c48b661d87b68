"""Drawing the frames of an animation: the view (a fixed box in the equal-area CRS), the
layers (the map redrawn per frame; outlines, title, legend and source drawn once; date and
totals per frame) and their stacking into one RGBA frame. Writing them is geotools.render.animate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from pyproj import CRS, Transformer

from geotools.crs import WGS84, project
from geotools.regions import land_mask
from geotools.render.style import GAINED, LOST, status_colors
from geotools.snapshot import Change, Snapshot

if TYPE_CHECKING:
    from geotools.render.frame_places import PlaceMark

BACKGROUND = "#FFFFFF"
PLACE_INK = "#222222"
OUTLINE = "#444444"
DPI = 100


@dataclass(frozen=True)
class View:
    """What a frame shows: bounds in the data's CRS, stretched to the frame's aspect ratio."""

    bounds: tuple[float, float, float, float]
    size: tuple[int, int]
    crs: CRS

    @classmethod
    def fit(cls, bounds: Sequence[float], size: tuple[int, int], crs: CRS) -> View:
        """The smallest view holding ``bounds`` with the frame's aspect ratio (centred)."""
        x0, y0, x1, y1 = (float(b) for b in bounds)
        width, height = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
        aspect = size[0] / size[1]
        if width / height < aspect:
            width = height * aspect
        else:
            height = width / aspect
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        return cls((cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2), size, crs)

    @property
    def units_per_pixel(self) -> float:
        """Map units (metres) per pixel."""
        return (self.bounds[2] - self.bounds[0]) / self.size[0]

    def pixel(self, x: float, y: float) -> tuple[int, int]:
        """(row, column) of a point in the data's CRS, in a frame's array."""
        x0, y0, x1, y1 = self.bounds
        col = (x - x0) / (x1 - x0) * self.size[0]
        row = (y1 - y) / (y1 - y0) * self.size[1]
        return math.floor(row), math.floor(col)

    def pixel_lonlat(self, lon: float, lat: float) -> tuple[int, int]:
        """(row, column) of a WGS84 point."""
        x, y = Transformer.from_crs("EPSG:4326", self.crs, always_xy=True).transform(lon, lat)
        return self.pixel(x, y)


def geometry_path(geom: shapely.Geometry) -> MplPath:
    """A matplotlib path of a polygonal geometry (rings as closed sub-paths; holes stay holes)."""
    verts: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for poly in shapely.get_parts(geom):
        if not isinstance(poly, shapely.Polygon) or poly.is_empty:
            continue
        for ring in [poly.exterior, *poly.interiors]:
            xy = np.asarray(ring.coords)
            if len(xy) < 4:
                continue
            code = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
            code[0], code[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
            verts.append(xy)
            codes.append(code)
    if not verts:
        return MplPath(np.zeros((0, 2)))
    return MplPath(np.concatenate(verts), np.concatenate(codes))


def line_path(geom: shapely.Geometry) -> MplPath:
    """A matplotlib path of lines (open sub-paths)."""
    verts: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for line in shapely.get_parts(shapely.line_merge(shapely.union_all(geom))):
        xy = np.asarray(line.coords)
        if len(xy) < 2:
            continue
        code = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
        code[0] = MplPath.MOVETO
        verts.append(xy)
        codes.append(code)
    if not verts:
        return MplPath(np.zeros((0, 2)))
    return MplPath(np.concatenate(verts), np.concatenate(codes))


def _shown(geom: shapely.Geometry | None, view: View) -> shapely.Geometry:
    """``geom`` clipped a little beyond the view and simplified to half a pixel."""
    if geom is None:
        return shapely.Polygon()
    x0, y0, x1, y1 = view.bounds
    pad = 4 * view.units_per_pixel
    clipped = shapely.clip_by_rect(geom, x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    return shapely.simplify(clipped, view.units_per_pixel / 2, preserve_topology=True)


class _Layer:
    """A figure the size of a frame whose axes show the view (transparent unless ``color``)."""

    def __init__(self, view: View, color: str | None = None) -> None:
        width, height = view.size
        self.fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
        self.fig.patch.set_facecolor(color or "none")
        self.canvas = FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_axes((0.0, 0.0, 1.0, 1.0))
        self.ax.set_axis_off()
        self.ax.patch.set_visible(False)
        x0, y0, x1, y1 = view.bounds
        self.ax.set_xlim(x0, x1)
        self.ax.set_ylim(y0, y1)
        self.ax.set_aspect("auto")

    def render(self) -> np.ndarray:
        """The layer as an RGBA array (height × width × 4, straight alpha), redrawn."""
        self.canvas.draw()  # type: ignore[no-untyped-call]
        return np.asarray(self.canvas.buffer_rgba())  # type: ignore[no-untyped-call]


class _Overlay:
    """An RGBA layer ready to be laid over frames: its visible pixels and their weights,
    found once (a still layer is laid over every frame at the cost of its own pixels only)."""

    def __init__(self, layer: np.ndarray, rows: slice, cols: slice) -> None:
        self.rows, self.cols = rows, cols
        top = layer[rows, cols]
        self.hit = np.nonzero(top[:, :, 3])
        alpha = top[self.hit][:, 3:].astype(np.float32) / 255
        self.ink = top[self.hit][:, :3] * alpha
        self.keep = 1 - alpha

    def lay_on(self, base: np.ndarray) -> None:
        """Alpha-composite onto the opaque RGBA ``base``, in place."""
        if not self.hit[0].size:
            return
        under = base[self.rows, self.cols]
        blend = self.ink + under[self.hit][:, :3] * self.keep
        under[self.hit[0], self.hit[1], :3] = np.rint(blend).astype(np.uint8)


class FrameDrawer:
    """Three layers drawn with matplotlib and stacked with numpy: the map (control areas,
    gained and lost parts; redrawn per frame), what never changes (region outlines, title,
    legend, source; drawn once) and the date and totals (redrawn per frame). Text is most of
    the cost of drawing a frame, so the unchanging text is drawn once, not once a frame.
    """

    def __init__(self, view: View, statuses: Sequence[str], title: str, source: str) -> None:
        self.view = view
        self.map = _Layer(view, BACKGROUND)
        self.still = _Layer(view)
        self.text = _Layer(view)
        colors = status_colors(list(statuses))
        self.control = {s: self._patch(colors[s], 0.0, 1) for s in statuses}
        # a day's change is often smaller than a pixel: an edge of its own colour keeps it seen
        self.gained = self._patch(GAINED, 0.8, 3)
        self.lost = self._patch(LOST, 0.8, 3)
        pad = 4.0  # points around each text, inside its box
        box = {"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "pad": pad}
        scale = max(view.size[1] / 720, 0.7)  # small frames keep legible text
        tx, sx = self.text.ax, self.still.ax
        self.date = tx.text(
            0.012, 0.975, "", transform=tx.transAxes, va="top", ha="left",
            fontsize=26 * scale, fontweight="bold", bbox=box,
        )  # fmt: skip
        self.totals = tx.text(
            0.012, 0.89, "", transform=tx.transAxes, va="top", ha="left",
            fontsize=13 * scale, bbox=box, linespacing=1.4,
        )  # fmt: skip
        sx.text(
            0.012, 0.015, source, transform=sx.transAxes, va="bottom", ha="left",
            fontsize=9 * scale, color="#333333", zorder=5, bbox=box,
        )  # fmt: skip
        sx.text(
            0.988, 0.975, title, transform=sx.transAxes, va="top", ha="right",
            fontsize=14 * scale, zorder=5, bbox=box,
        )  # fmt: skip
        legend = [("gained", GAINED), ("lost", LOST), *((s, colors[s]) for s in statuses)]
        step = (11 * scale + 2 * pad) * DPI / 72 / view.size[1]  # a line and its box
        for i, (label, color) in enumerate(legend):
            y = 0.015 + step * (len(legend) - 1 - i)
            sx.text(
                0.988, y, f"■ {label}", transform=sx.transAxes, va="bottom", ha="right",
                fontsize=11 * scale, color=color, zorder=5, bbox=box,
            )  # fmt: skip
        self._still: _Overlay | None = None
        self._marks: list[Any] = []
        self._mark_layer: _Layer | None = None
        self._ringed: tuple[tuple[PlaceMark, ...], _Overlay] | None = None

    def _patch(self, color: str, edge: float, zorder: int) -> PathPatch:
        patch = PathPatch(MplPath(np.zeros((0, 2))), facecolor=color, edgecolor=color, lw=edge)
        patch.set_zorder(zorder)
        self.map.ax.add_patch(patch)
        return patch

    def outlines(self, geom: shapely.Geometry, width: float = 0.9) -> None:
        """Outlines of polygons over the control areas (``width`` in points at 720p)."""
        self.lines(shapely.boundary(geom), width)

    def lines(self, geom: shapely.Geometry, width: float = 0.9) -> None:
        """Lines over the control areas (``width`` in points at 720p)."""
        patch = PathPatch(line_path(_shown(geom, self.view)), fill=False, edgecolor=OUTLINE)
        patch.set_linewidth(width * self.view.size[1] / 720)
        patch.set_zorder(4)
        self.still.ax.add_patch(patch)
        self._still = None

    def place_labels(self, x: np.ndarray, y: np.ndarray, names: Sequence[str]) -> None:
        """Dots and names of places (the view's CRS), drawn once, with a white halo."""
        scale = max(self.view.size[1] / 720, 0.7)
        ax = self.still.ax
        ax.scatter(x, y, s=10 * scale**2, c=PLACE_INK, linewidths=0, zorder=6)
        halo = [patheffects.withStroke(linewidth=2.5 * scale, foreground="white")]
        for xi, yi, name in zip(x, y, names, strict=True):
            ax.annotate(
                name, (xi, yi), xytext=(3 * scale, 2 * scale), textcoords="offset points",
                fontsize=9 * scale, color=PLACE_INK, zorder=6, path_effects=halo,
            )  # fmt: skip
        self._still = None

    def _place_marks(self, marks: Sequence[PlaceMark]) -> _Overlay | None:
        """Ring and name the places of ``marks`` on a layer of their own, laid over the whole
        frame (over the labels too); None without marks."""
        if not marks:
            return None
        if self._ringed is not None and self._ringed[0] == tuple(marks):
            return self._ringed[1]  # the same places as the last frame: drawn once
        if self._mark_layer is None:
            self._mark_layer = _Layer(self.view)
        for artist in self._marks:
            artist.remove()
        self._marks = []
        scale = max(self.view.size[1] / 720, 0.7)
        box = {"facecolor": "white", "alpha": 0.9, "edgecolor": "none", "pad": 1.5}
        ax = self._mark_layer.ax
        for mark in marks:
            color = GAINED if mark.kind == "gained" else LOST
            ring = ax.scatter(
                [mark.x], [mark.y], s=140 * scale**2, facecolors="none", edgecolors=color,
                linewidths=2.2 * scale, zorder=7,
            )  # fmt: skip
            text = ax.annotate(
                mark.name, (mark.x, mark.y), xytext=(8 * scale, -12 * scale),
                textcoords="offset points", fontsize=10 * scale, fontweight="bold",
                color=color, zorder=7, bbox=box,
            )  # fmt: skip
            self._marks += [ring, text]
        everything = slice(None)
        self._ringed = (tuple(marks), _Overlay(self._mark_layer.render(), everything, everything))
        return self._ringed[1]

    def draw(
        self,
        snap: Snapshot,
        changes: Sequence[Change],
        date_text: str,
        totals_text: str,
        marks: Sequence[PlaceMark] = (),
    ) -> np.ndarray:
        """The frame for one step, as an RGBA array (height × width × 4, opaque); ``marks``:
        places ringed and named on this frame.

        The array is the map layer's own buffer: valid until the next call.
        """
        everything = slice(None)
        if self._still is None:
            self._still = _Overlay(self.still.render(), everything, everything)
        for status, patch in self.control.items():
            patch.set_path(geometry_path(_shown(snap.geometries.get(status), self.view)))
        gained = shapely.union_all([c.gained for c in changes]) if changes else None
        lost = shapely.union_all([c.lost for c in changes]) if changes else None
        self.gained.set_path(geometry_path(_shown(gained, self.view)))
        self.lost.set_path(geometry_path(_shown(lost, self.view)))
        self.date.set_text(date_text)
        self.totals.set_text(totals_text)
        frame = self.map.render()
        self._still.lay_on(frame)
        width, height = self.view.size
        # the date and totals stay in the top left corner
        corner = (slice(0, height // 2), slice(0, width * 3 // 4))
        _Overlay(self.text.render(), *corner).lay_on(frame)
        ringed = self._place_marks(marks)
        if ringed is not None:
            ringed.lay_on(frame)
        return frame


#: The box the shipped land polygon is clipped to (regions.land_mask): its edges are no coast.
LAND_BOX = (21.0, 43.5, 41.0, 53.0)


def coast(crs: CRS) -> shapely.Geometry:
    """The coastline of the shipped land polygon in ``crs`` (the clip box's edges left out)."""
    # the land's edges along the box are straight lines between far apart vertices once
    # projected (hundreds of metres off the box's projected meridians): 5 km covers that
    box = shapely.segmentize(shapely.box(*LAND_BOX), 0.05)
    edges = shapely.buffer(project(shapely.boundary(box), WGS84, crs), 5000.0)
    return shapely.difference(shapely.boundary(land_mask(crs)), edges)
