"""Where each manifest of a run stands, from the files alone (plus squeue when there is one).

One directory listing of `ocr/`; an unfinished manifest's `.part` is stat'ed, and the only
files read are the lock files present (to tell a live worker's lock from a stale one): a
second or two for thousands of manifests.

"failed" here is a manifest state: no page done and errors recorded in `<sha1>.errors.jsonl`.
`make summary` counts failed pages (`pages.errors`) and lists the manifests with errors
recorded that are not complete (`failed_manifests`: failed or partial); `make
resubmit-failed` resubmits every manifest without output that is not queued or running.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from barnacle.hashing import manifest_sha1
from barnacle.run_folder import RunFolder
from barnacle.worker.lock import STALE_AFTER_S, lock_is_stale

STATES = ("complete", "running", "partial", "failed", "not_started")
STATE_LABELS = {  # what each state means, as `make status` and the run report print it
    "complete": "complete",
    "running": "queued or running",
    "partial": "partial (some pages done; page errors or interrupted)",
    "failed": "failed (no page done, errors recorded: manifest unreadable or every page "
    "failed; see .errors.jsonl)",
    "not_started": "not started",
}


@dataclass
class RunStatus:
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        out = [f"{self.total} manifests"]
        out += [f"  {self.counts.get(state, 0):>7}  {STATE_LABELS[state]}" for state in STATES]
        return out


def _live_lock(path: Path) -> bool:
    stale, _ = lock_is_stale(path, STALE_AFTER_S)
    return not stale


def _has_pages(part: Path) -> bool:
    """A `.part` with at least one record: the writer creates it empty before any page."""
    try:
        return part.stat().st_size > 0
    except FileNotFoundError:
        return False


def manifest_state(
    run: RunFolder, sha1: str, names: set[str], busy_names: frozenset[str] | set[str] = frozenset()
) -> str:
    """The state (one of STATES) of the manifest whose output is `run.output(sha1)`.

    `names`: the file names in `run.ocr_dir`; `busy_names`: outputs queued or running in SLURM."""
    out = run.output(sha1)
    if out.name in names:
        return "complete"
    lock, part, errors = run.lock(sha1), run.part(sha1), run.errors(sha1)
    if out.name in busy_names or (lock.name in names and _live_lock(lock)):
        return "running"
    if part.name in names and _has_pages(part):
        return "partial"
    if errors.name in names:
        return "failed"
    return "not_started"


def run_status(run_dir: Path, busy: set[Path] | None = None) -> RunStatus:
    """Classify every manifest in manifests.tsv. `busy`: outputs queued or running in SLURM."""
    run = RunFolder(run_dir)
    rows = run.read_manifests()
    names = set(os.listdir(run.ocr_dir)) if run.ocr_dir.is_dir() else set()
    busy_names = {path.name for path in busy or set()}
    status = RunStatus()
    for row in rows:
        sha1 = manifest_sha1(row["manifest_url"])
        status.counts[manifest_state(run, sha1, names, busy_names)] += 1
    return status
