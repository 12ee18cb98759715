"""Where each manifest of a run stands, from the files alone (plus squeue when there is one).

One directory listing of `ocr/`, no file is opened (an unfinished manifest's `.part` is
stat'ed): a second or two for thousands of manifests.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from barnacle.listing.manifest_table import manifest_sha1
from barnacle.run.layout import ocr_dir, read_manifests
from barnacle.worker.lock import STALE_AFTER_S, lock_is_stale

STATES = ("complete", "running", "partial", "failed", "not_started")


@dataclass
class RunStatus:
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        labels = {
            "complete": "complete",
            "running": "queued or running",
            "partial": "partial (some pages done; page errors or interrupted)",
            "failed": "failed (no page done: manifest unreadable or every page failed; "
            "see .errors.jsonl)",
            "not_started": "not started",
        }
        out = [f"{self.total} manifests"]
        out += [f"  {self.counts.get(state, 0):>7}  {labels[state]}" for state in STATES]
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


def run_status(run_dir: Path, busy: set[Path] | None = None) -> RunStatus:
    """Classify every manifest in manifests.tsv. `busy`: outputs queued or running in SLURM."""
    rows = read_manifests(run_dir)
    folder = ocr_dir(run_dir)
    names = set(os.listdir(folder)) if folder.is_dir() else set()
    busy_names = {path.name for path in busy or set()}
    status = RunStatus()
    for row in rows:
        url = row["manifest_url"]
        name = f"{manifest_sha1(url)}.jsonl"
        if name in names:
            state = "complete"
        elif name in busy_names or (
            f"{name}.lock" in names and _live_lock(folder / f"{name}.lock")
        ):
            state = "running"
        elif f"{name}.part" in names and _has_pages(folder / f"{name}.part"):
            state = "partial"
        elif f"{name}.errors.jsonl" in names:
            state = "failed"
        else:
            state = "not_started"
        status.counts[state] += 1
    return status
