"""Sizes of the project's Python code: lines of every module, lines of every function (its
`def` line, decorators left out, to its last line), for the limits of tests/test_code_size.py."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 400


def python_files(folder: str) -> list[Path]:
    """The Python files under `folder` (relative to the repository), scripts without a .py
    suffix included (those whose first line names python)."""
    files = []
    for path in sorted((ROOT / folder).rglob("*")):
        if path.is_symlink() or not path.is_file() or "__pycache__" in path.parts:
            continue
        if path.suffix == ".py":
            files.append(path)
        elif not path.suffix:
            with path.open("rb") as f:
                first = f.readline()
            if first.startswith(b"#!") and b"python" in first:
                files.append(path)
    return files


def module_lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def function_lines(path: Path) -> Iterator[tuple[str, int]]:
    """(qualified name, lines) of every function and method in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))

    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[str, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                yield name, (child.end_lineno or child.lineno) - child.lineno + 1
                yield from walk(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}{child.name}.")
            else:
                yield from walk(child, prefix)

    yield from walk(tree, "")


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def too_long_functions(folders: list[str]) -> list[str]:
    """`path:function (N lines)` for every function over the limit."""
    return [
        f"{relative(path)}:{name} ({lines} lines)"
        for folder in folders
        for path in python_files(folder)
        for name, lines in function_lines(path)
        if lines > MAX_FUNCTION_LINES
    ]


def too_long_modules(folders: list[str]) -> list[str]:
    """`path (N lines)` for every module over the limit."""
    return [
        f"{relative(path)} ({lines} lines)"
        for folder in folders
        for path in python_files(folder)
        if (lines := module_lines(path)) > MAX_MODULE_LINES
    ]


if __name__ == "__main__":
    for line in too_long_functions(["barnacle", "scripts", "bench", "tests"]):
        print("function", line)
    for line in too_long_modules(["barnacle", "scripts", "bench", "tests"]):
        print("module", line)
