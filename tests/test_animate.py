import datetime as dt
import gc
import logging
import warnings

import imageio.v3 as iio
import imageio_ffmpeg
import numpy as np
import pytest
import shapely

from geotools.cli.main import main
from geotools.errors import OutputError, UsageError
from geotools.read import ReadOptions, load_snapshot, resolve_refs
from geotools.regions import RegionSpec
from geotools.render.animate import collect, parse_bbox, parse_size, write_animation
from geotools.render.style import STATUS_COLORS

from .conftest import run_cli, write_geojson

D = dt.date
# the acceptance case: a year of Donetsk oblast, daily (with the 2025-01-01, 03-31 and 04-01
# gap days), at a small size to keep the test short (the benchmark draws it at 1280×720)
START, END = D(2024, 11, 1), D(2025, 11, 1)
SIZE = (480, 270)
FPS = 5
HOLD = 1.0  # seconds: 5 extra frames
GREY = np.array([int(STATUS_COLORS["occupied"][i : i + 2], 16) for i in (1, 3, 5)])
WHITE = np.array([255, 255, 255])


def read_video(path):
    """Every frame of an MP4/WebM, decoded by imageio-ffmpeg's ffmpeg (RGB arrays)."""
    # imageio-ffmpeg closes ffmpeg's pipes only when it has to stop ffmpeg itself, not after
    # a complete read, and they are dropped unclosed when the reader ends: a ResourceWarning
    # about the library, not about the file read
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        frames = imageio_ffmpeg.read_frames(str(path))
        width, height = next(frames)["size"]
        out = [np.frombuffer(b, np.uint8).reshape(height, width, 3) for b in frames]
        del frames
        gc.collect()
    return out


@pytest.fixture(scope="module")
def donetsk(deepstate_daily, boundaries_full):
    return collect(
        [deepstate_daily],
        period="day",
        start=START,
        end=END,
        regions=RegionSpec(boundaries_full),
        region_filter=["UA-14"],
        show_progress=False,
    )


@pytest.fixture(scope="module", params=["gif", "mp4"])
def written(request, donetsk, tmp_path_factory):
    path = tmp_path_factory.mktemp("anim") / f"donetsk.{request.param}"
    result = write_animation(donetsk, path, fps=FPS, size=SIZE, hold_last=HOLD, show_progress=False)
    # GIF read back by imageio (Pillow), MP4 by imageio-ffmpeg
    frames = list(iio.imread(path, index=None)) if request.param == "gif" else read_video(path)
    return request.param, path, result, frames


def test_frame_count_and_size(written, donetsk):
    fmt, path, result, frames = written
    steps = (END - START).days
    assert len(donetsk.steps) == steps
    assert result.frames == steps + round(HOLD * FPS)
    assert len(frames) == result.frames
    assert frames[0].shape == (SIZE[1], SIZE[0], 3)
    assert result.dates[0] == START + dt.timedelta(days=1) and result.dates[-1] == END
    # the held frames repeat the last step (H.264 only nearly: it is lossy)
    diff = np.abs(frames[-1].astype(int) - frames[-1 - round(HOLD * FPS)])
    assert diff.max() == 0 if fmt == "gif" else diff.mean() < 0.5
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # written atomically


def _deep_point(geom, view, inset_m):
    """A point at least ``inset_m`` inside ``geom`` and inside the frame's middle (no text)."""
    x0, y0, x1, y1 = view.bounds
    w, h = x1 - x0, y1 - y0
    middle = shapely.box(x0 + 0.25 * w, y0 + 0.2 * h, x1 - 0.25 * w, y1 - 0.3 * h)
    core = shapely.intersection(shapely.buffer(geom, -inset_m), middle)
    assert not core.is_empty, "no deep point: the data changed"
    parts = sorted(shapely.get_parts(core), key=lambda p: p.area)
    point = shapely.point_on_surface(parts[-1])
    return view.pixel(point.x, point.y)


def _color(frame, pixel):
    row, col = pixel
    return np.median(frame[row - 1 : row + 2, col - 1 : col + 2].reshape(-1, 3), axis=0)


def test_first_and_last_frames_show_the_control_area_in_place(written, donetsk, deepstate_daily):
    fmt, _, result, frames = written
    tolerance = 6 if fmt == "gif" else 24  # H.264 is lossy
    refs = {r.date: r for r in resolve_refs([deepstate_daily])}

    def occupied(day):
        snap = load_snapshot(refs[day], options=ReadOptions(crs=donetsk.crs))
        return snap.geometries["occupied"]

    first_period, last_period = donetsk.steps[0][0], donetsk.steps[-1][0]
    held_first = occupied(first_period.to_date)
    held_last = occupied(last_period.to_date)
    held_before_last = occupied(last_period.from_date)
    region = donetsk.regions.geometries[donetsk.regions.codes.index("UA-14")]
    view = result.view
    # held throughout: grey in both frames
    held = _deep_point(shapely.intersection(held_first, region), view, 3000)
    # taken during the month (and not in the last step): white first, grey last
    taken = shapely.difference(shapely.intersection(held_before_last, held_last), held_first)
    taken_px = _deep_point(shapely.intersection(taken, region), view, 600)
    # never held: white in both
    free = _deep_point(shapely.difference(region, shapely.union(held_first, held_last)), view, 5000)
    first, last = frames[0], frames[len(donetsk.steps) - 1]
    for frame, expected in [
        (first, {held: GREY, taken_px: WHITE, free: WHITE}),
        (last, {held: GREY, taken_px: GREY, free: WHITE}),
    ]:
        for pixel, colour in expected.items():
            assert np.abs(_color(frame, pixel) - colour).max() <= tolerance, (fmt, pixel, colour)


def test_errors_are_one_line(donetsk, tmp_path, deepstate_daily):
    with pytest.raises(OutputError, match=r"\.avi.*\.gif, \.mp4 or \.webm"):
        write_animation(donetsk, tmp_path / "x.avi")
    with pytest.raises(UsageError, match="outside the data"):
        write_animation(donetsk, tmp_path / "x.gif", bbox=(-10.0, 40.0, -5.0, 45.0))
    with pytest.raises(UsageError, match="no complete day"):
        collect([deepstate_daily], start=D(2030, 1, 1), end=D(2030, 2, 1), show_progress=False)
    assert parse_size("320x180") == (320, 180)
    for bad in ("320", "321x180", "10x10", "axb"):
        with pytest.raises(UsageError, match="--size"):
            parse_size(bad)
    with pytest.raises(UsageError, match="--bbox"):
        parse_bbox("39,47,36,49")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def cli_here(capsys):
    """The command line in this process (no interpreter start-up per call): its exit code and
    stderr. The logging set-up the command makes is undone afterwards."""
    loggers = [logging.getLogger("geotools"), logging.getLogger("py.warnings")]
    saved = [(log.handlers[:], log.level, log.propagate) for log in loggers]

    def run(args):
        with pytest.raises(SystemExit) as exc:
            main(args)
        return exc.value.code, capsys.readouterr().err

    yield run
    logging.captureWarnings(False)
    for log, (handlers, level, propagate) in zip(loggers, saved, strict=True):
        log.handlers[:] = handlers
        log.setLevel(level)
        log.propagate = propagate


def test_cli_errors_are_one_line_and_write_nothing(tmp_path, cli_here):
    # three small squares near Donetsk, one a day
    folder = tmp_path / "snaps"
    folder.mkdir()
    for k in range(3):
        square = shapely.box(37.5, 48.0, 37.6 + 0.01 * k, 48.1)
        write_geojson(folder / f"2025010{k + 1}.geojson", [square])
    out = tmp_path / "out"
    out.mkdir()
    for args, words in [
        (["-o", str(out / "a.mov")], "unknown animation format"),
        (["-o", str(out / "a.gif"), "--start", "2030-01-01", "--end", "2030-02-01"],
         "no complete day"),
        (["-o", str(out / "a.gif"), "--start", "2025-01-03", "--end", "2025-01-02"],
         "not before"),
        (["-o", str(out / "a.gif"), "--bbox", "-10,40,-5,45"], "outside the data"),
        (["-o", str(out / "a.gif"), "--size", "100x51"], "--size"),
        (["-o", str(out / "a.gif"), "--region", "UA-14"], "--by"),
    ]:  # fmt: skip
        code, err = cli_here(["animate", str(folder), *args])
        assert code == 2, err
        assert words in err and err.strip().count("\n") == 0, err
    assert list(out.iterdir()) == []
    code, err = cli_here(["animate", str(folder), "-o", str(out / "a.gif"), "--size", "64x64"])
    assert code == 0, err
    assert len(iio.imread(out / "a.gif", index=None)) == 2 + 12  # 2 days, 2 s held at 6 fps


def test_cli_writes_a_webm_of_a_bbox(deepstate_daily, tmp_path):
    out = tmp_path / "pokrovsk.webm"
    res = run_cli(
        ["animate", str(deepstate_daily), "--start", "2025-01-01", "--end", "2025-01-08",
         "--bbox", "36.9,48.1,37.4,48.4", "--size", "320x180", "--fps", "4", "--hold-last", "0",
         "-o", str(out)],
        module=True,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    frames = read_video(out)
    assert len(frames) == 7
    assert frames[0].shape == (180, 320, 3)
