"""What the wheel holds: every package of the source tree, and every data file the code reads
(the shapes, the maps' scripts and vendored libraries). An editable install, as the tests run,
finds everything whatever pyproject.toml lists; a wheel only what it lists."""

from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]


def _package_dir(name: str) -> Path:
    mapped = CONFIG.get("package-dir", {})
    return ROOT / mapped[name] if name in mapped else ROOT / name.replace(".", "/")


def _files(folder: Path) -> set[Path]:
    return {
        p
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def test_every_source_folder_is_a_listed_package():
    listed = set(CONFIG["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "geotools").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert found - listed == set(), "add these to [tool.setuptools] packages"
    for name in listed:
        assert _package_dir(name).is_dir(), name


def test_every_data_file_is_package_data():
    data = CONFIG["package-data"]
    for name, folder, skip in [
        ("geotools.shapes", _package_dir("geotools.shapes"), {".py"}),
        ("geotools.render", _package_dir("geotools.render") / "static", set()),
        ("geotools.render", _package_dir("geotools.render") / "vendor", set()),
    ]:
        base = _package_dir(name)
        shipped = {p for pattern in data[name] for p in base.glob(pattern) if p.is_file()}
        wanted = {p for p in _files(folder) if p.suffix not in skip}
        assert wanted, folder
        missing = sorted(str(p.relative_to(ROOT)) for p in wanted - shipped)
        assert missing == [], f"not in package-data of {name}"
