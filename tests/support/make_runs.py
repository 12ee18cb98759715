"""Driving `make` runs from tests: run a target, read a run's records, wait for SLURM."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from support.paths import REPO


def make(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    """`make ARGS` in the repository; fails the test with make's output unless it succeeds."""
    done = subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def try_make(*args: str) -> subprocess.CompletedProcess[str]:
    """`make ARGS` in the repository, its exit status and output returned as they are (for
    tests of what make refuses); the venv stamp is taken as up to date."""
    return subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.barnacle-installed", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_records(run_dir: Path) -> dict[str, list[dict]]:
    """Every finished output file of a run: file name -> its records."""
    return {
        path.name: [json.loads(line) for line in path.read_text().splitlines()]
        for path in sorted((run_dir / "ocr").glob("*.jsonl"))
    }


def wait_idle(env: dict[str, str], timeout: float = 400, jobs: list[str] | None = None) -> None:
    """Wait until the cluster's queue is empty, or holds none of `jobs` (job ids, arrays'
    included)."""
    deadline = time.monotonic() + timeout
    while True:
        queue = subprocess.run(
            ["squeue", "-h", "-r", "-o", "%F"],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        if not (set(queue) & set(jobs) if jobs is not None else queue):
            return
        assert time.monotonic() < deadline, f"jobs still queued: {queue}"
        time.sleep(1)
