"""The sbatch submission of one array against a stored reference, as submitit checks its
sbatch text: `sbatch_args` and `worker_environment` for fixed SbatchOptions and WorkerEnv give
exactly tests/data/reference/sbatch-submission.txt (sbatch's words one a line, then the
environment's NAME=value lines; the repository and the test's folder written as <repo> and
<tmp>). A change to what Barnacle hands sbatch shows up as a diff of that file.

When the change is meant, rewrite the reference and review its diff:

    BARNACLE_UPDATE_REFERENCE=1 .venv/bin/python -m pytest tests/test_sbatch_reference.py
    git diff tests/data/reference/sbatch-submission.txt
"""

from __future__ import annotations

import os
from pathlib import Path

from barnacle.job_arrays import SbatchOptions, WorkerEnv, sbatch_args, worker_environment

from support.paths import REPO

REFERENCE = REPO / "tests" / "data" / "reference" / "sbatch-submission.txt"
UPDATE = "BARNACLE_UPDATE_REFERENCE"

OPTIONS = SbatchOptions(
    partition="ocr", cpus_per_task=4, mem="6G", time="02:00:00", gres="gpu:1", account="lab"
)
OPTIONS.extra = ["--qos=low", "--nice=10"]  # the user's own sbatch words, passed as they are
WORKER = WorkerEnv(
    barnacle="/opt/barnacle/bin/barnacle",
    model="my model,v2",  # a comma and a space: why the values travel in the environment
    cache_dir="/scratch/cache",
    max_pages=2,
    size="!3000,3000",
    device="cuda:0",
    threads=1,
    page_processes=4,
    offline=True,
    container="/scratch/barnacle.sif",
    container_runtime="apptainer",
    gres="gpu:1",
    precision="bf16-mixed",
    batch_size=16,
)
# What the submitting shell had: kept, except the worker variables, which are always set.
BASE_ENV = {"HOME": "/home/ocr", "MODEL": "an exported model that must not leak in"}


def _submission_text(tmp: Path) -> str:
    run_dir = tmp / "runs" / "demo"
    args = sbatch_args(
        OPTIONS,
        run_dir=run_dir,
        array="1-853%25",
        task_list=run_dir / "slurm" / "tasks-20260130T101500Z.tsv",
        offset=2000,
        comment="barnacle:demo:20260130T101500Z:2000",
    )
    env = worker_environment(WORKER, BASE_ENV)
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
