"""The exit-code contract where the file system says no: unreadable inputs, read-only output
folders, an unusable GEOTOOLS_CACHE, and outputs that appear only when the whole run succeeded.

CI runs as root, where file modes do not stop reads or writes: the runs below drop to an
unprivileged user (nobody) in a forked child, never skipped. The child first runs a readable
copy of the same command as root, so every module it needs is imported before the drop (the
interpreter may live where nobody can read).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from .conftest import data_path, run_cli

NOBODY = 65534
DAYS = ("20240708", "20240709", "20240710")


@pytest.fixture
def base() -> Iterator[Path]:
    """A folder where nobody may work (pytest's tmp_path lives under a root-only folder)."""
    folder = Path(tempfile.mkdtemp(prefix="geotools-exit-"))
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        for path in folder.rglob("*"):  # give back what the tests took away, then remove
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(folder)


def _snapshots(folder: Path) -> Path:
    folder.mkdir(mode=0o755)
    for day in DAYS:
        shutil.copy(data_path("deepstate", "daily", f"{day}.geojson.gz"), folder)
    for path in folder.iterdir():
        path.chmod(0o644)
    return folder


def run_as_nobody(base: Path, argv: Sequence[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run ``geotools ARGV`` in a forked child as nobody; (exit code, stdout, stderr)."""
    warm = base / "warm"
    if not warm.exists():
        _snapshots(warm)
    out_path, err_path = base / "stdout", base / "stderr"
    out_fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    err_fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 99
        try:
            from geotools.cli.main import main

            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
            sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
            os.environ["GEOTOOLS_CACHE"] = str(base / "warm-cache")
            # os._exit below skips atexit: a cache stand-in (geotools.cache) is made in ``base``,
            # which the fixture removes, not left in the system's temporary folder
            tempfile.tempdir = str(base)
            warm_argv = ["series", str(warm), "--period", "day", "-o", str(base / "warm.csv")]
            with contextlib.suppress(SystemExit):
                main([*warm_argv, "--changes", str(base / "warm.gpkg")])
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(out_fd, 1)
            os.dup2(err_fd, 2)
            os.environ.update(env)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            try:
                main(list(argv))
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(out_fd)
    os.close(err_fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out_path.read_text(), err_path.read_text()


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_unreadable_input_is_one_line_naming_it(base: Path) -> None:
    folder = _snapshots(base / "in")
    locked = folder / f"{DAYS[1]}.geojson.gz"
    locked.chmod(0)
    for argv in (
        ["series", str(folder), "--period", "day"],
        ["info", str(locked)],
        ["diff", str(folder / f"{DAYS[0]}.geojson.gz"), str(locked)],
    ):
        code, _, err = run_as_nobody(base, argv, {"GEOTOOLS_CACHE": str(base / "cache")})
        assert code == (2 if argv[0] == "diff" else 1), err  # diff's click.Path says it first
        line = _one_line(err)
        assert line.startswith("geotools: error: ") and str(locked) in line
        assert "permission denied" in line or "is not readable" in line


def test_read_only_output_folder_is_said_before_the_run(base: Path) -> None:
    folder = _snapshots(base / "in")
    (base / "ro").mkdir(mode=0o555)
    (base / "ro").chmod(0o555)
    for option in ("-o", "--changes"):
        dest = base / "ro" / ("t.csv" if option == "-o" else "c.gpkg")
        argv = ["series", str(folder), "--period", "day", option, str(dest)]
        code, _, err = run_as_nobody(base, argv, {"GEOTOOLS_CACHE": str(base / "cache")})
        assert code == 2, err
        line = _one_line(err)
        assert f"folder {base / 'ro'} is not writable" in line
        assert list((base / "ro").iterdir()) == []


@pytest.mark.parametrize("kind", ["a file", "a read-only folder", "a read-only subfolder"])
def test_unusable_cache_is_a_warning_then_the_run_goes_on(base: Path, kind: str) -> None:
    folder = _snapshots(base / "in")
    cache = base / "cache"
    if kind == "a file":
        cache.write_text("not a folder")
        cache.chmod(0o644)
    elif kind == "a read-only folder":
        cache.mkdir(mode=0o555)
        cache.chmod(0o555)
    else:
        (cache / "snapshots").mkdir(parents=True)
        cache.chmod(0o777)
        (cache / "snapshots").chmod(0o555)
    argv = ["series", str(folder), "--period", "day", "-o", str(base / "t.csv")]
    code, _, err = run_as_nobody(base, argv, {"GEOTOOLS_CACHE": str(cache)})
    assert code == 0, err
    line = _one_line(err)
    assert line.startswith("geotools: ") and str(cache) in line
    assert "going on without" in line
    code, _, err = run_as_nobody(
        base,
        [*argv[:-1], str(base / "plain.csv"), "--no-cache"],
        {"GEOTOOLS_CACHE": str(base / "other")},
    )
    assert code == 0, err
    assert (base / "t.csv").read_bytes() == (base / "plain.csv").read_bytes()
    if kind == "a file":
        assert cache.read_text() == "not a folder"
    if kind != "a file":  # nothing was stored in the read-only folder
        read_only = cache if kind == "a read-only folder" else cache / "snapshots"
        assert not [p for p in read_only.rglob("*") if not stat.S_ISDIR(p.stat().st_mode)]


def test_outputs_appear_only_when_the_whole_run_succeeded(tmp_path: Path) -> None:
    folder = _snapshots(tmp_path / "in")
    table, changes = tmp_path / "t.csv", tmp_path / "c.unknown"
    res = run_cli(
        ["series", str(folder), "--period", "day", "-o", str(table), "--changes", str(changes)],
        module=True,
    )
    assert res.returncode == 2, res.stderr
    assert "unknown layer format '.unknown'" in _one_line(res.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]  # no table, no temporary
    res = run_cli(["series", str(folder), "--period", "day", "-o", str(table)], module=True)
    assert res.returncode == 0 and table.exists()


@pytest.mark.parametrize("head", ['{"map":', '{"type":"FeatureCollection","features":'])
def test_deeply_nested_json_file_is_one_line(tmp_path: Path, head: str) -> None:
    path = tmp_path / "20240101.geojson"
    path.write_text(head + "[" * 100_000 + "]" * 100_000 + "}")
    res = run_cli(["info", str(path)], module=True)
    assert res.returncode == 1, res.stderr
    assert str(path) in _one_line(res.stderr)
