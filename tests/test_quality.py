"""The code-quality gates run as tests, so the README's one test command covers them."""

import shutil
import subprocess
import sys

import pytest

from .conftest import REPO


@pytest.mark.parametrize(
    "cmd",
    [
        ["ruff", "check", "geotools", "tests"],
        ["ruff", "format", "--check", "geotools", "tests"],
        [sys.executable, "-m", "mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_quality_gate(cmd):
    if cmd[0] == "ruff":
        cmd[0] = shutil.which("ruff") or "ruff"
    res = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
