"""Animations of the front: one frame per period, drawn with matplotlib, written with imageio.

Frames are drawn one at a time and piped at once to the ffmpeg that ``imageio-ffmpeg`` ships
(GIF, MP4 or WebM), and each step's snapshot is read when its frame is drawn, so memory stays
flat whatever the number of frames. Every number shown comes from the Table; the geometry is
display only.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from pyproj import CRS, Transformer

from geotools.crs import WGS84, project
from geotools.errors import DataError, OutputError, UsageError
from geotools.output import atomic_path
from geotools.periods import Period, make_periods
from geotools.progress import progress
from geotools.read import ReadOptions, SnapshotRef, load_snapshot, resolve_refs, settle
from geotools.regions import RegionLayer, RegionSpec, land_mask, select_codes
from geotools.render.style import GAINED, LOST, main_status, status_colors
from geotools.snapshot import Change, Snapshot
from geotools.table import TOTAL

#: Extensions and the writer each goes to.
ANIMATION_FORMATS = {".gif": "gif", ".mp4": "mp4", ".webm": "webm"}
BACKGROUND = "#FFFFFF"
OUTLINE = "#444444"
#: Margin around a --region's outline, as a share of its extent.
MARGIN = 0.04
DPI = 100


def animation_format(dest: str | Path) -> str:
    """gif, mp4 or webm from the extension of ``dest`` (OutputError otherwise)."""
    dest = Path(dest)
    fmt = ANIMATION_FORMATS.get(dest.suffix.lower())
    if fmt is None:
        raise OutputError(
            f"unknown animation format {dest.suffix!r}; use .gif, .mp4 or .webm", dest
        )
    return fmt


def parse_size(text: str) -> tuple[int, int]:
    """``'1280x720'`` as (width, height): even pixels from 64 (H.264/VP9 need even sizes)."""
    parts = text.lower().replace("×", "x").split("x")
    try:
        width, height = (int(p) for p in parts)
    except ValueError:
        raise UsageError(f"--size {text!r} is not WIDTHxHEIGHT, e.g. 1280x720") from None
    if width < 64 or height < 64 or width % 2 or height % 2:
        raise UsageError(f"--size {text!r}: width and height must be even and at least 64")
    return width, height


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``'W,S,E,N'`` in degrees (WGS84 longitude and latitude)."""
    try:
        west, south, east, north = (float(p) for p in text.split(","))
    except ValueError:
        raise UsageError(f"--bbox {text!r} is not W,S,E,N in degrees, e.g. 36,47,39,49") from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise UsageError(f"--bbox {text!r}: need west < east and south < north, in degrees")
    return west, south, east, north


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


@dataclass
class Frames:
    """What the animation steps through: periods with their changes, and the Table."""

    steps: list[tuple[Period, list[Change]]]
    table: pd.DataFrame
    crs: CRS
    refs: dict[dt.date, SnapshotRef]
    regions: RegionLayer | None
    codes: list[str]  # the regions the totals and the view are about ([] for all)
    sources: list[str]
    options: ReadOptions | None = None  # how the series read the files (in its CRS)


def _totals(frames: Frames, status: str) -> pd.DataFrame:
    """Per period: gained, lost, net of ``status`` in the chosen regions (or the total),
    and their running sums since the first period."""
    table = frames.table[frames.table["status"] == status]
    rows = table[table["region"].isin(frames.codes)] if frames.codes else table
    if not frames.codes:
        rows = rows[rows["region"] == TOTAL]
    sums = rows.groupby("period_start", sort=True)[["gained_km2", "lost_km2", "net_km2"]].sum()
    return sums.join(sums.cumsum().add_prefix("since_"))


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

    def draw(
        self, snap: Snapshot, changes: Sequence[Change], date_text: str, totals_text: str
    ) -> np.ndarray:
        """The frame for one step, as an RGBA array (height × width × 4, opaque).

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
        return frame


#: ffmpeg output options per format. GIF: one palette, made from the first frame (which holds
#: every flat colour: the legend lists them all), so later frames differ from the previous one
#: only where the map changed and ffmpeg's GIF encoder stores just that rectangle (about 9×
#: smaller than a palette per frame; imageio's Pillow writer cannot store rectangles under
#: numpy 2 and is 3× slower). MP4: H.264 at constant quality, looking 10 frames ahead instead
#: of 40 (x264 then holds ~100 MB less at 720p, at the same speed and size). WebM: VP9 at
#: constant quality, at its realtime speed (the default speed takes minutes for a year of
#: frames).
FFMPEG_OPTIONS: dict[str, tuple[str, str, list[str]]] = {
    "gif": (
        "gif",
        "pal8",
        [
            "-vf",
            "split[a][b];[a]palettegen=stats_mode=single:reserve_transparent=0[p];"
            "[b][p]paletteuse=dither=none",
        ],
    ),
    "mp4": ("libx264", "yuv420p", ["-crf", "23", "-rc-lookahead", "10"]),
    "webm": (
        "libvpx-vp9",
        "yuv420p",
        ["-crf", "34", "-b:v", "0", "-deadline", "realtime", "-cpu-used", "8"],
    ),
}


def _writer(fmt: str, path: Path, size: tuple[int, int], fps: float) -> Any:
    """A started imageio-ffmpeg writer: send it RGBA frames, then close it."""
    try:
        import imageio_ffmpeg
    except ImportError:
        raise UsageError(
            "animations need imageio-ffmpeg: pip install 'geotools-frontline[animate]'"
        ) from None
    codec, pix_fmt, params = FFMPEG_OPTIONS[fmt]
    writer = imageio_ffmpeg.write_frames(
        str(path),
        size,
        pix_fmt_in="rgba",
        fps=fps,
        codec=codec,
        quality=None,  # the quality is in the output options
        pix_fmt_out=pix_fmt,
        macro_block_size=2,
        ffmpeg_log_level="error",
        output_params=params,
    )
    writer.send(None)  # start ffmpeg
    return writer


@dataclass
class Animation:
    """What was written: frames (with the held ones), the view, the steps' dates."""

    path: Path
    frames: int
    view: View
    dates: list[dt.date]


def _view(
    frames: Frames,
    first: Snapshot,
    last: Snapshot,
    size: tuple[int, int],
    bbox: tuple[float, float, float, float] | None,
) -> View:
    data = shapely.union_all([*first.geometries.values(), *last.geometries.values()])
    extent = shapely.box(*shapely.bounds(data)) if not shapely.is_empty(data) else None
    if frames.regions is not None:
        layer_box = shapely.box(*shapely.bounds(frames.regions.union))
        extent = layer_box if extent is None else shapely.union(extent, layer_box)
    if bbox is not None:
        to_crs = Transformer.from_crs("EPSG:4326", frames.crs, always_xy=True)
        box = shapely.box(*to_crs.transform_bounds(*bbox, densify_pts=21))
        if extent is None or not shapely.intersects(box, extent):
            lon = Transformer.from_crs(frames.crs, "EPSG:4326", always_xy=True)
            span = "nothing" if extent is None else (
                "lon {:.2f}…{:.2f}, lat {:.2f}…{:.2f}".format(
                    *np.asarray(lon.transform_bounds(*shapely.bounds(extent)))[[0, 2, 1, 3]]
                )
            )  # fmt: skip
            raise UsageError(
                f"--bbox {','.join(f'{v:g}' for v in bbox)} lies outside the data "
                f"({span}); give W,S,E,N in degrees around the area"
            )
        return View.fit(shapely.bounds(box), size, frames.crs)
    if frames.codes and frames.regions is not None:
        idx = [frames.regions.codes.index(c) for c in frames.codes]
        x0, y0, x1, y1 = shapely.bounds(shapely.union_all(frames.regions.geometries[idx]))
        dx, dy = (x1 - x0) * MARGIN, (y1 - y0) * MARGIN
        return View.fit((x0 - dx, y0 - dy, x1 + dx, y1 + dy), size, frames.crs)
    if extent is None:
        raise UsageError("the snapshots are empty; nothing to animate")
    return View.fit(shapely.bounds(extent), size, frames.crs)


def collect(
    inputs: Sequence[str | Path],
    *,
    period: str = "day",
    start: dt.date | None = None,
    end: dt.date | None = None,
    regions: RegionSpec | None = None,
    region_filter: Sequence[str] | None = None,
    read: ReadOptions | None = None,
    show_progress: bool | None = None,
    workers: int | None = None,
    use_cache: bool = True,
) -> Frames:
    """Measure the inputs per period (the Table and each period's change polygons)."""
    from geotools.pairs import region_layer
    from geotools.series import series

    read = settle(list(inputs), read or ReadOptions())
    refs = resolve_refs(list(inputs), options=read)
    if not refs:
        raise DataError(f"no snapshot files in {', '.join(map(str, inputs))}; check the inputs")
    days = [r.date for r in refs]
    if not make_periods(days, period, start, end):
        raise UsageError(
            f"no complete {period} between {start or days[0]} and {end or days[-1]} "
            f"(the data spans {days[0]} … {days[-1]}); widen --start/--end or use a shorter "
            "--period"
        )
    result = series(
        refs,
        options=read,
        period=period,
        start=start,
        end=end,
        keep_changes=True,
        show_progress=show_progress,
        regions=regions,
        region_filter=region_filter,
        workers=workers,
        use_cache=use_cache,
    )
    if not result.changes or result.crs is None:
        raise UsageError("the snapshots hold nothing to animate; check the inputs")
    layer = region_layer(regions, result.crs.to_wkt()) if regions is not None else None
    codes = sorted(select_codes(layer, list(region_filter))) if layer and region_filter else []
    return Frames(
        result.changes,
        result.table,
        result.crs,
        {r.date: r for r in refs},
        layer,
        codes,
        [_source_name(Path(i)) for i in inputs],
        result.options,
    )


def _load(frames: Frames, day: dt.date, read: ReadOptions, use_cache: bool) -> Snapshot:
    options = frames.options or read.with_crs(frames.crs)  # the series' own options
    return load_snapshot(frames.refs[day], options=options, use_cache=use_cache, warn_empty=False)


def _snapshots(frames: Frames, read: ReadOptions, use_cache: bool) -> Iterator[Snapshot]:
    """The snapshot at each step's end, read when needed (one held at a time)."""
    held: Snapshot | None = None
    for period, _ in frames.steps:
        if held is None or held.date != period.to_date:
            held = _load(frames, period.to_date, read, use_cache)
        yield held


def write_animation(
    frames: Frames,
    dest: str | Path,
    *,
    fps: float = 6.0,
    size: tuple[int, int] = (1280, 720),
    hold_last: float = 2.0,
    bbox: tuple[float, float, float, float] | None = None,
    title: str | None = None,
    status: str | None = None,
    read: ReadOptions | None = None,
    show_progress: bool | None = None,
    use_cache: bool = True,
) -> Animation:
    """Draw one frame per step and write them, as they are drawn, to ``dest`` (atomically).

    ``hold_last``: seconds the last frame stays; ``bbox``: W, S, E, N in degrees (default:
    the chosen regions, else everything); ``status``: the class whose totals are shown
    (default occupied, else the first).
    """
    fmt = animation_format(dest)
    if fps <= 0:
        raise UsageError("--fps must be positive")
    read = read or ReadOptions()
    statuses = sorted(set(frames.table["status"]))
    shown_status = main_status(statuses, status) or statuses[0]
    by_start = _totals(frames, shown_status).to_dict("index")
    view = _view(
        frames,
        _load(frames, frames.steps[0][0].from_date, read, use_cache),
        _load(frames, frames.steps[-1][0].to_date, read, use_cache),
        size,
        bbox,
    )
    snaps = _snapshots(frames, read, use_cache)
    where = (
        ", ".join(frames.regions.name_of(c) for c in frames.codes)
        if frames.codes and frames.regions is not None
        else "whole map"
    )
    start = frames.steps[0][0].start
    drawer = FrameDrawer(
        view,
        statuses,
        title or f"Control of territory, {where}",
        f"Source: {', '.join(frames.sources)} · areas: geotools (equal-area, full resolution)",
    )
    if frames.regions is None:  # the coast for context (the shipped Natural Earth land)
        drawer.lines(_coast(frames.crs), width=0.6)
    else:
        drawer.outlines(frames.regions.geometries)
        if frames.codes:  # the regions the totals are about, in a bolder line
            idx = [frames.regions.codes.index(c) for c in frames.codes]
            drawer.outlines(frames.regions.geometries[idx], width=2.4)
    held = max(0, round(hold_last * fps))
    dates = []
    with atomic_path(dest) as tmp, progress(len(frames.steps), "animate", show_progress) as advance:
        writer = _writer(fmt, tmp, size, fps)
        try:
            frame: np.ndarray | None = None
            for (period, changes), snap in zip(frames.steps, snaps, strict=True):
                row = by_start.get(period.start)
                shown = period.end.isoformat()
                if period.to_date != period.end:
                    shown += f"  (map of {period.to_date.isoformat()})"
                text = _totals_text(
                    row, shown_status, start, where, (period.end - period.start).days
                )
                kept = [c for c in changes if c.status == shown_status]
                frame = drawer.draw(snap, kept, shown, text)
                writer.send(frame)
                dates.append(period.end)
                advance()
            for _ in range(held):
                writer.send(frame)
        finally:
            writer.close()
    return Animation(Path(dest), len(dates) + held, view, dates)


#: The box the shipped land polygon is clipped to (regions.land_mask): its edges are no coast.
LAND_BOX = (21.0, 43.5, 41.0, 53.0)


def _coast(crs: CRS) -> shapely.Geometry:
    """The coastline of the shipped land polygon in ``crs`` (the clip box's edges left out)."""
    # the land's edges along the box are straight lines between far apart vertices once
    # projected (hundreds of metres off the box's projected meridians): 5 km covers that
    box = shapely.segmentize(shapely.box(*LAND_BOX), 0.05)
    edges = shapely.buffer(project(shapely.boundary(box), WGS84, crs), 5000.0)
    return shapely.difference(shapely.boundary(land_mask(crs)), edges)


def _source_name(path: Path) -> str:
    """A folder with its parent (``deepstate/daily``: ``daily`` alone says little), a file's
    name."""
    if path.is_dir() and path.parent.name:
        return f"{path.parent.name}/{path.name}"
    return path.name or str(path)


def _totals_text(
    row: Mapping[Hashable, Any] | None, status: str, start: dt.date, where: str, days: int
) -> str:
    if row is None:
        return f"{status}: no change measured"
    return (
        f"{status}, {where}: {row['net_km2']:+,.1f} km² in {days} day{'s' * (days != 1)} "
        f"(+{row['gained_km2']:,.1f} / −{row['lost_km2']:,.1f})\n"
        f"since {start.isoformat()}: +{row['since_gained_km2']:,.0f} gained, "
        f"−{row['since_lost_km2']:,.0f} lost, net {row['since_net_km2']:+,.0f} km²"
    )
