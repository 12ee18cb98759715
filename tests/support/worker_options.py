"""Worker options for tests that call the worker in-process."""

from __future__ import annotations

from pathlib import Path

from barnacle.worker.options import WorkerOptions


def quiet_options(tmp_path: Path, **changes: object) -> WorkerOptions:
    """The worker's options with its cache in `tmp_path`/cache, one page process and no
    progress bar; `changes` replace any of them (cache_dir=... for a cache elsewhere)."""
    settings: dict[str, object] = {
        "cache_dir": tmp_path / "cache",
        "page_processes": 1,
        "progress": False,
    }
    return WorkerOptions(**(settings | changes))
