"""Text from data reaches the terminal as plain text: no Rich markup, no escape sequences."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely

from geotools.cli.terminal import visible, visible_json

from .conftest import run_cli, write_geojson

HOSTILE = [
    "[/]",
    "[link=https://evil.example/]x[/link]",
    "[bold red]loud",
    "\x1b]0;pwned\x07",
    "\x1b[2J",
    "\u202eright-to-left",
    "two\nlines",
    "\x9b31m",
]
RAW = ("\x1b", "\x07", "\u202e", "\x9b")


def _boxes(shift: float) -> list[shapely.Geometry]:
    return [shapely.box(30 + i + shift, 48, 30.8 + i + shift, 48.8) for i in range(len(HOSTILE))]


@pytest.fixture
def hostile_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in \x1b]0;folder\x07 [red]x"
    folder.mkdir()
    props = [{"kind": name} for name in HOSTILE]
    write_geojson(folder / "20240101.geojson", _boxes(0.0), props)
    write_geojson(folder / "20240102.geojson", _boxes(0.1), props)
    return folder


def _clean(text: str) -> None:
    for char in RAW:
        assert char not in text, repr(text[:400])


def test_series_table_shows_status_names_as_they_are(hostile_folder: Path) -> None:
    res = run_cli(
        ["series", str(hostile_folder), "--status-field", "kind", "--period", "day"],
        module=True,
    )
    assert res.returncode == 0, res.stderr
    _clean(res.stdout)
    _clean(res.stderr)
    for name in HOSTILE:
        assert visible(name) in res.stdout  # markup shown, controls escaped
    assert "\\x1b]0;pwned\\x07" in res.stdout and "two\\nlines" in res.stdout


def test_info_and_errors_name_files_visibly(hostile_folder: Path) -> None:
    snapshot = hostile_folder / "20240101.geojson"
    for args in (["info", "--status-field", "kind"], ["info", "--json", "--status-field", "kind"]):
        res = run_cli([*args, str(snapshot)], module=True)
        assert res.returncode == 0, res.stderr
        _clean(res.stdout)
        assert "\\x1b]0;folder\\x07" in res.stdout or "\\u001b]0;folder\\u0007" in res.stdout
    broken = hostile_folder / "20240103.geojson"
    broken.write_text("{not json")
    res = run_cli(["info", str(broken)], module=True)
    assert res.returncode == 1
    _clean(res.stderr)
    assert len(res.stderr.strip().splitlines()) == 1
    assert "\\x1b]0;folder\\x07" in res.stderr


def test_region_names_from_data(tmp_path: Path) -> None:
    layer = write_geojson(
        tmp_path / "regions.geojson",
        _boxes(0.0),
        [{"name": name, "code": f"R{i}"} for i, name in enumerate(HOSTILE)],
    )
    res = run_cli(["regions", str(layer), "--region-field", "name"], module=True)
    assert res.returncode == 0, res.stderr
    _clean(res.stdout)
    assert "[link=https://evil.example/]x[/link]" in res.stdout


def test_visible() -> None:
    assert visible("a\x1b[2Jb\tc\u202e") == "a\\x1b[2Jb\\tc\\u202e"
    assert visible("Київ [/]") == "Київ [/]"
    assert visible_json('"\x9b\u2066"') == '"\\u009b\\u2066"'
