"""The sbatch submission of one array against a stored reference, as submitit checks its
sbatch text: `sbatch_args` and the environment for fixed SbatchOptions and TaskCommand give
exactly tests/data/reference/sbatch-submission.txt (sbatch's words one a line, then the
environment's NAME=value lines; the repository and the test's folder written as <repo> and
<tmp>). A change to what Barnacle hands sbatch shows up as a diff of that file. The worker's
options are not in it: each task reads them from the run's settings.json.

When the change is meant, rewrite the reference and review its diff:

    BARNACLE_UPDATE_REFERENCE=1 .venv/bin/python -m pytest tests/test_sbatch_reference.py
    git diff tests/data/reference/sbatch-submission.txt
"""

from __future__ import annotations

import os
from pathlib import Path

from barnacle.job_arrays import SbatchOptions, TaskCommand, sbatch_args

from support.paths import REPO

REFERENCE = REPO / "tests" / "data" / "reference" / "sbatch-submission.txt"
UPDATE = "BARNACLE_UPDATE_REFERENCE"

OPTIONS = SbatchOptions(
    partition="ocr", cpus_per_task=4, mem="6G", time="02:00:00", gres="gpu:1", account="lab"
)
OPTIONS.extra = ["--qos=low", "--nice=10"]  # the user's own sbatch words, passed as they are
TASK = TaskCommand(
    barnacle="/opt/barnacle/bin/barnacle",
    stage="export",
    formats="alto,iiif",
    publish_url="https://example.org/my iiif,v2/",  # a comma and a space: one word still
)
# What the submitting shell had: kept, with BARNACLE (the command each task runs) set.
BASE_ENV = {"HOME": "/home/ocr", "BARNACLE": "an exported command that must not leak in"}


def _submission_text(tmp: Path) -> str:
    run_dir = tmp / "runs" / "demo"
    args = sbatch_args(
        OPTIONS,
        run_dir=run_dir,
        array="1-853%25",
        task_list=run_dir / "slurm" / "tasks-20260130T101500Z.txt",
        offset=2000,
        comment="barnacle:demo:20260130T101500Z:2000",
        task=TASK,
    )
    env = TASK.environment(BASE_ENV)
    lines = ["# sbatch, one word a line", *args, "# environment", *_env_lines(env)]
    text = "\n".join(lines) + "\n"
    return text.replace(str(tmp.resolve()), "<tmp>").replace(str(REPO), "<repo>")


def _env_lines(env: dict[str, str]) -> list[str]:
    return [f"{name}={value}" for name, value in env.items()]


def test_sbatch_submission_matches_the_stored_reference(tmp_path: Path) -> None:
    text = _submission_text(tmp_path)
    if os.environ.get(UPDATE) == "1":
        REFERENCE.parent.mkdir(parents=True, exist_ok=True)
        REFERENCE.write_text(text)
    assert REFERENCE.exists(), f"no reference yet: run with {UPDATE}=1 and review it"
    expected = REFERENCE.read_text()
    assert text.splitlines() == expected.splitlines(), f"rewrite with {UPDATE}=1 if meant"
