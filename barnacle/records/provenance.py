"""Where a record was made: git commit, container, host and SLURM ids."""

from __future__ import annotations

import functools
import os
import socket
import subprocess
from pathlib import Path

from barnacle import __version__
from barnacle.ocr.identity import kraken_version
from barnacle.records.page_record import Provenance, SlurmIds

PACKAGE_ROOT = Path(__file__).resolve().parents[2]


@functools.cache
def git_commit() -> str | None:
    """The commit of the code that runs: BARNACLE_GIT_COMMIT (set in container builds),
    else `git rev-parse HEAD` in the checkout, else None."""
    if os.environ.get("BARNACLE_GIT_COMMIT"):
        return os.environ["BARNACLE_GIT_COMMIT"]
    try:
        done = subprocess.run(
            ["git", "-C", str(PACKAGE_ROOT), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def container_id() -> str | None:
    """The container image the worker runs in, None on the host. In order: BARNACLE_CONTAINER
    (what containers/image-id prints, set by slurm/ocr-array.sbatch), Apptainer's .sif path,
    then BARNACLE_IMAGE, which our Dockerfile bakes in (name, version and commit) for runs
    that do not pass the image's identity."""
    for name in (
        "BARNACLE_CONTAINER",
        "APPTAINER_CONTAINER",
        "SINGULARITY_CONTAINER",
        "BARNACLE_IMAGE",
    ):
        if os.environ.get(name):
            return os.environ[name]
    return None


def slurm_ids() -> SlurmIds:
    return SlurmIds(
        job_id=os.environ.get("SLURM_JOB_ID"),
        array_job_id=os.environ.get("SLURM_ARRAY_JOB_ID"),
        array_task_id=os.environ.get("SLURM_ARRAY_TASK_ID"),
    )


def current_provenance() -> Provenance:
    return Provenance(
        engine_version=kraken_version(),
        barnacle_version=__version__,
        git_commit=git_commit(),
        container=container_id(),
        host=socket.gethostname(),
        slurm=slurm_ids(),
    )
