"""`runs/<RUN>/metadata.json`: the run's provenance (make run), its SLURM arrays (`slurm_jobs`), and
where it stands (make summary): the deployment plan's run metadata."""

from __future__ import annotations

import fcntl
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from barnacle.atomic import atomic_write_text
from barnacle.run_folder.folder import RunFolder


@contextmanager
def _locked(run_dir: Path) -> Iterator[None]:
    """Serialise read-modify-write of metadata.json between processes (a lock on a side
    file)."""
    lock = RunFolder(run_dir).metadata_lock
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_metadata(run_dir: Path) -> dict[str, Any]:
    path = RunFolder(run_dir).metadata_json
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
    path = RunFolder(run_dir).metadata_json
    with _locked(run_dir):
        data = read_metadata(run_dir)
        data.setdefault("slurm_jobs", []).extend(jobs)
        atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def update_metadata(run_dir: Path, **fields: Any) -> dict[str, Any]:
    """Set top-level keys of metadata.json (None values are skipped), keeping the others."""
    path = RunFolder(run_dir).metadata_json
    with _locked(run_dir):
        data = read_metadata(run_dir)
        data.update({key: value for key, value in fields.items() if value is not None})
        atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return data


def _hours(start: str | None, end: datetime) -> float | None:
    if not start:
        return None
    try:
        began = datetime.fromisoformat(start)
    except ValueError:
        return None
    return round(max((end - began).total_seconds(), 0.0) / 3600, 4)


def _end_time(data: dict[str, Any], summary: dict[str, Any]) -> str | None:
    """When the run finished: None while manifests are queued, running or not started; else
    `run-info --end`'s time (make run-local) when it came after the last start, else the time
    of the last page (SLURM arrays: no process sees the end)."""
    manifests = summary["manifests"]
    if manifests.get("running", 0) or manifests.get("not_started", 0):
        return None
    finished, begun = data.get("finished_at"), data.get("resumed_at") or data.get("started_at")
    if finished and (not begun or finished >= begun):
        return str(finished)
    return summary.get("last_page_at") or finished


def run_record(data: dict[str, Any], summary: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The deployment plan's run metadata, from metadata.json's own keys and a summary."""
    recorded_model = data.get("model")
    model: dict[str, Any] = recorded_model if isinstance(recorded_model, dict) else {}
    container = data.get("container")
    jobs = [str(job.get("job_id")) for job in data.get("slurm_jobs", []) if isinstance(job, dict)]
    end = _end_time(data, summary)
    manifests, pages = summary["manifests"], summary["pages"]
    return {
        "run_name": summary["run"],
        "collection_url": data.get("source"),
        "start_time": data.get("started_at"),
        "end_time": end,
        "state": "finished" if end else "in progress",
        "slurm_job_id": jobs[0] if jobs else None,
        "slurm_job_ids": jobs,
        "container": container,
        "container_sha256": image_sha256(container if isinstance(container, str) else None),
        "git_commit": data.get("git_commit"),
        "model": {
            **model,
            "path": model.get("resolved"),
            "doi": model.get("doi"),  # None until the model names one
        },
        "manifest_count": manifests["total"],
        "manifests_complete": manifests.get("complete", 0),
        "manifests_failed": len(summary.get("failed_manifests", [])),  # with errors: to retry
        "manifests_incomplete": manifests["total"] - manifests.get("complete", 0),
        "total_pages": pages["done"],
        "pages_failed": pages["errors"],
        "elapsed_hours": _hours(
            data.get("started_at"), datetime.fromisoformat(end) if end else now
        ),
        "updated_at": now.isoformat(),
    }


def record_run(run_dir: Path, summary: dict[str, Any]) -> dict[str, Any]:
    """Bring metadata.json up to date from a summary (make summary, make run's end): end time,
    counts, elapsed hours, job ids, model and container, keeping every other key."""
    path = RunFolder(run_dir).metadata_json
    with _locked(run_dir):
        data = read_metadata(run_dir)
        data.update(run_record(data, summary, datetime.now(UTC)))
        atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return data


# The sha256 at the end of what containers/image-id prints: IMAGE@sha256:<manifest digest>,
# IMAGE#id=sha256:<image id> or PATH.sif#sha256=<file sha256>.
_IMAGE_SHA256 = re.compile(r"(?:@sha256:|#id=sha256:|#sha256=)([0-9a-f]{64})$")


def image_sha256(container: str | None) -> str | None:
    """The sha256 that a record's `container` names the image by, None when it names none."""
    found = _IMAGE_SHA256.search(container or "")
    return found.group(1) if found else None
