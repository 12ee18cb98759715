"""The fixtures of the export tests: `run` (a run folder, not made yet) and `cache_dir`. A test
module asks for them with `pytest_plugins = ["support.export_fixtures"]`."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def run(tmp_path: Path) -> Path:
    return tmp_path / "runs" / "r"


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"
