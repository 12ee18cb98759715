"""The fixture of the view tests: `view_run`, a run folder of finished books to view and the
facts of it (support/view_runs.py). A test module asks for it with
`pytest_plugins = ["support.view_fixtures"]`."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.view_runs import make_view_run


@pytest.fixture
def view_run(tmp_path: Path) -> tuple[Path, dict]:
    run_dir = tmp_path / "runs" / "viewtest"
    return run_dir, make_view_run(run_dir)
