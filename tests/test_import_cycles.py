"""The apps depend one way and no module imports itself back (DESIGN.md section 2).

Every production module of core, departments, partnerships and reporting is parsed with
``ast`` and each import counted wherever it is written: at the top, inside a function or
under ``TYPE_CHECKING``. An import inside a function still ties the two modules together:
it only hides the knot from Python's import order.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("core", "departments", "partnerships", "reporting", "publication", "scrutiny")
# What each app may not import (DESIGN.md section 2): core is domain-free, departments is
# the base, partnerships builds on it, and nothing imports reporting. Publication to
# residents reads all of them; of it, only reporting's audit trail reads its models
# (``test_reporting_reads_only_the_models_of_publication``).
FORBIDDEN = {
    "core": {"departments", "partnerships", "reporting", "publication", "scrutiny"},
    "departments": {"partnerships", "reporting", "publication", "scrutiny"},
    "partnerships": {"reporting", "publication", "scrutiny"},
    # Scrutiny builds on departments and partnerships; reporting reads it (homes, the
    # indicator page, the audit trail).
    "scrutiny": {"reporting", "publication"},
    "reporting": set(),
    "publication": set(),
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for app in APPS for path in sorted((ROOT / app).rglob("*.py"))}


def _imported(node: ast.AST, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The project modules one import statement names."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        if node.level:  # relative: from the module's own package upwards
            package = module if is_package else module.rpartition(".")[0]
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = f"{package}.{node.module}" if node.module else package
        else:
            base = node.module or ""
        # "from a.b import c" imports the module a.b.c when there is one, else a name of a.b.
        names = [
            f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
            for alias in node.names
        ]
    else:
        return set()
    found = set()
    for name in names:
        # "import a.b.c" (or a name of a.b.c) reaches the deepest project module it names.
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name:
            found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        is_package = path.name == "__init__.py"
        imports = set()
        for node in ast.walk(tree):
            imports |= _imported(node, module, is_package, known)
        graph[module] = imports - {module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm),
    each sorted: every module of one can reach every other, so each holds a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(graph.get(module, ())):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_the_graph_reads_imports_at_every_depth():
    """The reader itself: imports inside functions count, and "from a import b" names the
    module a.b when there is one."""
    graph = import_graph()
    assert "reporting.figures.cache" in graph["reporting.apps"]  # inside ready()
    assert "departments.roles" in graph["departments.querysets"]


def test_no_module_imports_itself_back():
    assert cycles(import_graph()) == []


def test_the_apps_depend_one_way():
    wrong = sorted(
        (importer, imported)
        for importer, imports in import_graph().items()
        for imported in imports
        if imported.partition(".")[0] in FORBIDDEN[importer.partition(".")[0]]
    )
    assert wrong == []


def test_the_cycle_finder_finds_a_cycle_through_three_modules():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_reporting_reads_only_the_models_of_publication():
    """The audit trail lists publications; nothing else of reporting leans on the app
    that is built on top of it."""
    reached = {
        imported
        for importer, imports in import_graph().items()
        if importer.partition(".")[0] == "reporting"
        for imported in imports
        if imported.partition(".")[0] == "publication"
    }
    assert reached == {"publication.models"}
