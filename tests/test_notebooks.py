"""The notebooks run (so they cannot rot) and are committed without outputs."""

import json
import os
import subprocess

import nbformat
import pytest
from nbclient import NotebookClient

from .conftest import DATA, REPO, data_path

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
#: The notebooks issue 9 asks for: each must exist and is executed by test_notebook_executes.
REQUIRED = [
    "01_month_of_change",
    "02_status_transitions",
    "03_deepstate_vs_isw",
    "04_places",  # issue 17
]
#: Per-cell limit; each notebook takes well under a minute.
CELL_TIMEOUT_S = 300


def test_the_required_notebooks_exist_and_are_executed():
    executed = [p.stem for p in NOTEBOOKS]  # the parameters of test_notebook_executes
    for name in REQUIRED:
        assert (REPO / "notebooks" / f"{name}.ipynb").is_file(), f"notebooks/{name}.ipynb missing"
        assert name in executed, f"{name}.ipynb is not executed"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path, monkeypatch, tmp_path):
    data_path("deepstate", "daily")
    # the kernel inherits the environment: the same data, this tree first on the path, and
    # the maps it writes in the test's own folder (not left in the system's temporary one)
    monkeypatch.setenv("GEOTOOLS_TEST_DATA", str(DATA))
    monkeypatch.setenv("GEOTOOLS_NOTEBOOK_OUT", str(tmp_path))
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    )
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on failure
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors


def _committed(path):
    """The notebook as git holds it (the index), or the file when not in a git checkout."""
    rel = path.relative_to(REPO).as_posix()
    res = subprocess.run(
        ["git", "show", f":{rel}"], cwd=REPO, capture_output=True, text=True, check=False
    )
    return json.loads(res.stdout) if res.returncode == 0 else json.loads(path.read_text())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_outputs_stripped(path):
    for text in (json.loads(path.read_text()), _committed(path)):
        for cell in text["cells"]:
            if cell["cell_type"] == "code":
                assert cell.get("outputs") == [], f"{path.name}: clear the outputs"
                assert cell.get("execution_count") is None, f"{path.name}: clear the counts"
