"""`runs/<RUN>/metadata.json`: the run's provenance; SLURM arrays go under `slurm_jobs`."""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from barnacle.atomic import atomic_write_text

METADATA_NAME = "metadata.json"


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Serialise read-modify-write of `path` between processes (a lock on a side file)."""
    lock_path = path.with_name(f".{path.name}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_metadata(run_dir: Path) -> dict[str, Any]:
    path = run_dir / METADATA_NAME
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return data


def slurm_jobs(run_dir: Path) -> list[dict[str, Any]]:
    jobs = read_metadata(run_dir).get("slurm_jobs", [])
    return [job for job in jobs if isinstance(job, dict)]


def append_slurm_jobs(run_dir: Path, jobs: list[dict[str, Any]]) -> None:
    """Add `jobs` to `slurm_jobs`, keeping every other key (temp file + os.replace)."""
    path = run_dir / METADATA_NAME
    with _locked(path):
        data = read_metadata(run_dir)
        data.setdefault("slurm_jobs", []).extend(jobs)
        atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def update_metadata(run_dir: Path, **fields: Any) -> dict[str, Any]:
    """Set top-level keys of metadata.json (None values are skipped), keeping the others."""
    path = run_dir / METADATA_NAME
    with _locked(path):
        data = read_metadata(run_dir)
        data.update({key: value for key, value in fields.items() if value is not None})
        atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return data
