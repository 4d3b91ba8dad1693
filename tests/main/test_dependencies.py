"""The dependency direction of the code (README, "A map of the code"): the shared core and the
engine at the bottom, then the features, whose models and services import only features below
them; the edges (views, CLI commands, Celery tasks, the worker and the app factory) sit on top and
may ask any feature's services. Imports inside functions count (a function-level import to dodge a
circle is still a circle); imports only for type checkers (``if TYPE_CHECKING:``) do not, since
they never run."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[2] / "kampus"

#: Lowest first. A feature may import the core, the engine and any feature in an earlier layer.
LAYERS: list[set[str]] = [
    {"core"},
    {"graph"},
    {"jobs", "confirm"},
    {"auth"},
    {"catalogue"},
    {"orgs"},
    {"cache"},
    {"notifications"},
    {"progress"},
    {"recognition"},
    {"assignments"},
    {"paths"},
    {"credentials"},
    {"reports"},
    {"authoring", "sso"},
    {"xapi", "case"},
    {"api", "admin", "main"},
    {"entry"},
]

#: Top-level modules that start the app: they import every feature.
ENTRY = {"app", "commands", "seeding", "models"}

#: Top-level modules that are a unit of their own (not the shared core): they know features.
UNITS = {"cache"}

#: File names of the edges: they call services and are called by nobody but the framework.
EDGE_FILES = {"views", "cli", "tasks", "worker", "celery_app", "demo"}


def _unit(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "core"
    name = parts[1]
    if (ROOT / name).is_dir() or name in UNITS:
        return name
    return "entry" if name in ENTRY else "core"


def _is_edge(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return _unit(module) == "entry" or last in EDGE_FILES or last.endswith("_views")


def _runtime_imports(tree: ast.AST):
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(child) for part in node.body for child in ast.walk(part))
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def feature_imports() -> dict[tuple[str, str], set[str]]:
    """``(importing unit, imported unit)`` → the (non-edge) modules that import across."""
    found: dict[tuple[str, str], set[str]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        module = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts).removesuffix(".__init__")
        if _is_edge(module):
            continue
        source = _unit(module)
        for name in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if name.startswith("kampus."):
                target = _unit(name)
                if target != source:
                    found.setdefault((source, target), set()).add(module)
    return found


def _layer(unit: str) -> int:
    for index, layer in enumerate(LAYERS):
        if unit in layer:
            return index
    raise AssertionError(f"kampus/{unit} is in no layer: add it to LAYERS in {__file__}")


def test_every_feature_imports_only_features_below_it():
    upward = {(a, b): sorted(modules) for (a, b), modules in feature_imports().items() if _layer(b) >= _layer(a)}
    assert not upward, "imports against the dependency direction (move the shared piece down):\n" + "\n".join(
        f"  {a} -> {b}: {', '.join(m)}" for (a, b), m in sorted(upward.items())
    )


def test_no_circle_between_features():
    graph = nx.DiGraph(list(feature_imports()))
    cycles = [c for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert not cycles, f"import circles between features: {cycles}"


def test_no_edge_is_imported_by_a_service():
    """Views, CLI commands and tasks are the top: no model or service imports one."""
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        module = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts).removesuffix(".__init__")
        if _is_edge(module):
            continue
        for name in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if name.startswith("kampus.") and _is_edge(name) and not name.endswith("__init__"):
                offenders.append(f"{module} imports {name}")
    assert not offenders, "\n".join(offenders)


def feature_table() -> str:
    """README's "Which feature imports which", from the imports themselves (core and edges left out):
    ``python -m tests.main.test_dependencies``."""
    needs: dict[str, set[str]] = {}
    for source, target in feature_imports():
        if target != "core":
            needs.setdefault(source, set()).add(target)
    units = [unit for layer in LAYERS for unit in sorted(layer) if unit not in {"core", "entry"}]
    width = max(map(len, units))
    return "\n".join(
        f"{unit:<{width}}  → {', '.join(sorted(needs.get(unit, ()), key=lambda u: (_layer(u), u))) or 'core only'}"
        for unit in units
    )


def test_the_readme_table_is_current():
    readme = (ROOT.parent / "README.md").read_text(encoding="utf-8")
    assert feature_table() in readme, "README's feature table is stale: python -m tests.main.test_dependencies"


if __name__ == "__main__":
    print(feature_table())
