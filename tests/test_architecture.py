"""The shape of the package: no import cycles, formats that know nothing of Snapshots, and
a docstring on every module that names its one job."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "geotools"
#: The format readers: they turn bytes into geometries and attributes, nothing more.
FORMATS = {
    "geotools.read.archive",
    "geotools.read.esrijson",
    "geotools.read.files",
    "geotools.read.gdal",
    "geotools.read.geojson",
    "geotools.read.geojson_columns",
    "geotools.read.geojson_features",
    "geotools.read.geojson_simd",
    "geotools.read.kml",
    "geotools.read.layer",
    "geotools.read.parquet",
    "geotools.read.ragged",
    "geotools.read.raw",
    "geotools.read.zipped",
}
#: What a format reader may import from geotools (geotools.memo: an LRU map of bytes to
#: results, no snapshot, period or region in it; the feature-by-feature reader keeps features).
FORMAT_MAY_IMPORT = {"geotools.errors", "geotools.crs", "geotools.memo"} | FORMATS


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of a module but those under ``if TYPE_CHECKING:`` (imports for types only,
    which never run)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return [n for n in ast.walk(tree) if id(n) not in skip]


def import_graph() -> dict[str, set[str]]:
    """Module → the geotools modules it imports at run time (at any depth of the file, lazy
    imports included, type-only imports not; importing ``a.b.c`` from outside package ``a.b``
    runs ``a.b``'s __init__ too)."""
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in _runtime_nodes(ast.parse(path.read_text("utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: resolve against this module's package
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    stem = ".".join([*base, node.module] if node.module else base)
                else:
                    stem = node.module or ""
                targets = [
                    f"{stem}.{a.name}" if f"{stem}.{a.name}" in modules else stem
                    for a in node.names
                ]
            for target in targets:
                if not target.startswith("geotools"):
                    continue
                parts = target.split(".")
                for k in range(2, len(parts) + 1):  # parent packages (not the root's __init__)
                    prefix = ".".join(parts[:k])
                    inside = name == prefix or name.startswith(prefix + ".")
                    if prefix in modules and prefix != name and (k == len(parts) or not inside):
                        graph[name].add(prefix)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    assert "geotools.read.options" in graph["geotools.read.refs"]  # the graph sees the imports
    assert find_cycle(graph) is None, " → ".join(find_cycle(graph) or [])


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_formats_know_nothing_of_snapshots_periods_or_regions():
    graph = import_graph()
    for module in sorted(FORMATS):
        assert module in graph, module
        assert graph[module] <= FORMAT_MAY_IMPORT, (module, graph[module] - FORMAT_MAY_IMPORT)


def test_nothing_below_the_read_package_imports_upwards():
    """The reading package depends on the Snapshot model, cleaning, CRS checks, profiles and
    the cache, never on diff, accounting, series or rendering."""
    upward = {
        "geotools.diff",
        "geotools.pairs",
        "geotools.series",
        "geotools.regions",
        "geotools.periods",
        "geotools.render",
        "geotools.cli",
    }
    graph = import_graph()
    for module, deps in graph.items():
        if module.startswith("geotools.read"):
            assert not {d for d in deps if d.split(".")[:2] != ["geotools", "read"]} & upward


def test_every_module_names_its_job():
    for name, path in _modules().items():
        tree = ast.parse(path.read_text("utf-8"))
        doc = ast.get_docstring(tree)
        assert doc and len(doc.split()) >= 3, f"{name} has no docstring naming its job"
