"""Each shared default is written once, in barnacle/defaults.py (issue 22, "defaults truly
once"): no other module of the package types its value again."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from barnacle import defaults

from support.paths import REPO

PACKAGE = REPO / "barnacle"

# A default's value as another module would type it again.
REPEATS = {
    "CACHE_DIR": rf"""Path\(["']{defaults.CACHE_DIR}["']\)""",
    "SAMPLE_PORT": rf"\b{defaults.SAMPLE_PORT}\b",
    "VIEW_PORT": rf"\b{defaults.VIEW_PORT}\b",
    "PRECISION": rf"""["']{defaults.PRECISION}["']""",
    "DEVICE": rf"""device: str = ["']{defaults.DEVICE}["']""",
    "BATCH_SIZE": rf"batch_size: int = {defaults.BATCH_SIZE}\b",
}


@pytest.mark.parametrize("name", sorted(REPEATS))
def test_no_module_types_a_default_again(name: str) -> None:
    pattern = re.compile(REPEATS[name])
    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != PACKAGE / "defaults.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found, f"{name} typed again instead of read from barnacle.defaults: {found}"


def test_summary_figures_are_not_named_like_the_image_cache() -> None:
    from barnacle.run_folder import RunFolder

    assert "cache" not in RunFolder(Path("runs/x")).page_figures_cache.name
