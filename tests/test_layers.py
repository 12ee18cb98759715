"""Layers without cycles: no two packages of barnacle/ import each other (directly or round a
longer cycle), and the worker imports nothing from the layers above it. Imports are read with
ast, at module level and inside functions alike."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from support.paths import REPO

PACKAGE = REPO / "barnacle"
# The worker does one manifest; the run's bookkeeping, the tasks, model management, the
# command line and SLURM submission all sit above it.
ABOVE_THE_WORKER = {"run", "models", "cli", "tasks", "job_arrays"}


def _package(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def _imported(tree: ast.AST) -> list[tuple[str, int]]:
    """(package of barnacle imported, line) for every absolute import of barnacle.*."""
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "barnacle":  # from barnacle import defaults
                names = [f"barnacle.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "barnacle" and len(parts) > 1:
                found.append((parts[1], node.lineno))
    return found


def package_imports() -> dict[str, dict[str, list[str]]]:
    """package -> imported package -> the `file:line` of each such import."""
    edges: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(PACKAGE.rglob("*.py")):
        source = _package(path)
        for target, line in _imported(ast.parse(path.read_text(encoding="utf-8"))):
            if target != source:
                edges[source][target].append(f"{path.relative_to(REPO)}:{line}")
    return edges


def _cycles(edges: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """The strongly connected groups of more than one package (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def test_no_packages_import_each_other() -> None:
    edges = package_imports()
    found = []
    for group in _cycles(edges):
        links = [
            f"  {a} -> {b}: {', '.join(edges[a][b])}" for a in group for b in group if b in edges[a]
        ]
        found.append(" <-> ".join(group) + "\n" + "\n".join(links))
    assert not found, "import cycles between packages:\n" + "\n".join(found)


def test_the_worker_imports_nothing_from_the_layers_above_it() -> None:
    edges = package_imports()["worker"]
    found = {target: edges[target] for target in ABOVE_THE_WORKER if target in edges}
    assert not found, f"barnacle/worker imports from above it: {found}"


def test_the_cycle_finder_sees_a_longer_cycle() -> None:
    edges: dict[str, dict[str, list[str]]] = {
        "a": {"b": ["a.py:1"]},
        "b": {"c": ["b.py:1"]},
        "c": {"a": ["c.py:1"]},
        "d": {"a": ["d.py:1"]},
    }
    assert _cycles(edges) == [["a", "b", "c"]]
