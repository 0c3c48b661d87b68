"""The command line starts light: importing it loads no pandas, GEOS, PROJ or renderer, its
--help lists every command with the summary the command's own help gives, and the package's
lazy re-exports are the objects they name."""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys

import click
import pytest

from geotools.cli.main import COMMANDS, cli

from .conftest import REPO

HEAVY = ("pandas", "geopandas", "shapely", "pyproj", "matplotlib", "folium", "numpy", "rich")


def _imported_after(code: str) -> list[str]:
    """The HEAVY modules a new interpreter holds after running ``code``."""
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    )
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_the_command_line_imports_no_heavy_library():
    assert _imported_after("import geotools.cli.main") == []
    assert _imported_after("import geotools") == []


def test_help_imports_no_command_module_and_no_heavy_library():
    code = (
        "import sys\nfrom geotools.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "assert not [m for m in sys.modules if m.startswith('geotools.cli.') and "
        "m.split('.')[-1] in " + repr(sorted(COMMANDS)) + "], 'a command module was imported'"
    )
    assert _imported_after(code) == []


def test_help_lists_every_command_with_its_own_summary():
    out = subprocess.run(
        [sys.executable, "-m", "geotools", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    ).stdout
    listed = out.split("Commands:")[1].split()
    ctx = click.Context(cli)
    for name, (module, summary) in COMMANDS.items():
        assert name in listed, name
        command = cli.get_command(ctx, name)
        assert command is not None and command.callback is not None
        assert command.callback.__module__ == module
        first = inspect.cleandoc(command.help or "").split("\n\n")[0]
        assert " ".join(first.split()) == summary, name
        # the same line click itself would print for the command
        for limit in (30, 45, 80):
            assert click.Command(name, help=summary).get_short_help_str(limit) == (
                command.get_short_help_str(limit)
            )
    # one module per command in geotools/cli/: none left out of the table
    modules = {p.stem for p in (REPO / "geotools" / "cli").glob("*.py")}
    cli_dir = REPO / "geotools" / "cli"
    with_command = {
        m for m in modules if re.search(r"^def command\(", (cli_dir / f"{m}.py").read_text(), re.M)
    }
    assert {module.rsplit(".", 1)[1] for module, _ in COMMANDS.values()} == with_command


@pytest.mark.parametrize("name", ["series", "front", "compare", "stocks", "ReadOptions"])
def test_lazy_reexports_are_the_objects_they_name(name):
    code = (
        "import geotools, importlib\n"
        f"value = getattr(geotools, {name!r})\n"
        "import geotools.series, geotools.front, geotools.compare, geotools.stocks\n"
        f"assert getattr(geotools, {name!r}) is value, 'a submodule import rebound the name'\n"
        "assert callable(value)\n"
        f"assert {name!r} in dir(geotools)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
