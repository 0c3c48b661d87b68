"""Animations of the front: one frame per period, drawn with matplotlib, written with imageio.

Frames are drawn one at a time and piped at once to the ffmpeg that ``imageio-ffmpeg`` ships
(GIF, MP4 or WebM), and each step's snapshot is read when its frame is drawn, so memory stays
flat whatever the number of frames. Every number shown comes from the Table; the geometry is
display only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from geotools.errors import DataError, OutputError, UsageError
from geotools.output import atomic_path
from geotools.periods import Period, make_periods
from geotools.places import Places
from geotools.progress import progress
from geotools.read import ReadOptions, SnapshotRef, load_snapshot, resolve_refs, settle
from geotools.regions import RegionLayer, RegionSpec, select_codes
from geotools.render.frame_places import FramePlaces, PlaceEvent, PlaceMark, events_text
from geotools.render.frames import FrameDrawer, View, coast
from geotools.render.style import main_status
from geotools.snapshot import Change, Snapshot
from geotools.table import TOTAL

#: Extensions and the writer each goes to.
ANIMATION_FORMATS = {".gif": "gif", ".mp4": "mp4", ".webm": "webm"}
#: Margin around a --region's outline, as a share of its extent.
MARGIN = 0.04
#: Seconds a place that changed class stays ringed and named.
PLACE_HOLD = 1.5


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
    place_events: list[PlaceEvent] = field(default_factory=list)


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

    read = settle(list(inputs), read or ReadOptions(), use_cache=use_cache)
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
    places: Places | None = None,
) -> Animation:
    """Draw one frame per step and write them, as they are drawn, to ``dest`` (atomically).

    ``hold_last``: seconds the last frame stays; ``bbox``: W, S, E, N in degrees (default:
    the chosen regions, else everything); ``status``: the class whose totals are shown
    (default occupied, else the first); ``places``: label the biggest places in view and
    ring, for ``PLACE_HOLD`` seconds, each place that enters or leaves the shown class.
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
        drawer.lines(coast(frames.crs), width=0.6)
    else:
        drawer.outlines(frames.regions.geometries)
        if frames.codes:  # the regions the totals are about, in a bolder line
            idx = [frames.regions.codes.index(c) for c in frames.codes]
            drawer.outlines(frames.regions.geometries[idx], width=2.4)
    tracked = None
    if places is not None:
        first = _load(frames, frames.steps[0][0].from_date, read, use_cache)
        moved = [
            g for _, changes in frames.steps for c in changes if c.status == shown_status
            for g in (c.gained, c.lost)
        ]  # fmt: skip
        tracked = FramePlaces(places, view, statuses, shown_status, first, near=moved)
        chosen = tracked.labelled
        drawer.place_labels(
            tracked.x[chosen], tracked.y[chosen], [str(n) for n in tracked.places.names[chosen]]
        )
    recent: dict[str, tuple[int, PlaceEvent, PlaceMark]] = {}
    shown_for = max(1, round(PLACE_HOLD * fps))
    events: list[PlaceEvent] = []
    held = max(0, round(hold_last * fps))
    dates = []
    with atomic_path(dest) as tmp, progress(len(frames.steps), "animate", show_progress) as advance:
        writer = _writer(fmt, tmp, size, fps)
        try:
            frame: np.ndarray | None = None
            for n, ((period, changes), snap) in enumerate(zip(frames.steps, snaps, strict=True)):
                row = by_start.get(period.start)
                shown = period.end.isoformat()
                if period.to_date != period.end:
                    shown += f"  (map of {period.to_date.isoformat()})"
                text = _totals_text(
                    row, shown_status, start, where, (period.end - period.start).days
                )
                marks: list[PlaceMark] = []
                if tracked is not None:
                    for event in tracked.step(changes, period.end):
                        recent[event.name] = (n, event, tracked.mark(event))
                        events.append(event)
                    live = sorted(
                        (v for v in recent.values() if n - v[0] < shown_for),
                        key=lambda v: -v[0],
                    )
                    recent = {v[1].name: v for v in live}
                    marks = [v[2] for v in live]
                    said = events_text([v[1] for v in live], shown_status)
                    text = f"{text}\n{said}" if said else text
                kept = [c for c in changes if c.status == shown_status]
                frame = drawer.draw(snap, kept, shown, text, marks)
                writer.send(frame)
                dates.append(period.end)
                advance()
            for _ in range(held):
                writer.send(frame)
        finally:
            writer.close()
    return Animation(Path(dest), len(dates) + held, view, dates, events)


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
