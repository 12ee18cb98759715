"""Running array tasks in a container: the runtimes slurm/ocr-array.sbatch knows, and the
image identity that page records and metadata.json carry (containers/image-id)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from barnacle.job_arrays.cluster import SlurmError

REPO = Path(__file__).resolve().parents[2]
IMAGE_ID_SCRIPT = REPO / "containers" / "image-id"
CONTAINER_RUNTIMES = ("none", "apptainer", "singularity", "podman", "docker")


def container_problem(runtime: str, container: str | None) -> str | None:
    """What is wrong with CONTAINER_RUNTIME and CONTAINER together, None when nothing: checked
    before any task is submitted, dry runs included (the image itself only when submitting)."""
    if runtime not in CONTAINER_RUNTIMES:
        return (
            f"unknown container runtime {runtime!r} (CONTAINER_RUNTIME): "
            f"use one of {', '.join(CONTAINER_RUNTIMES)}"
        )
    if runtime == "none" and container:
        return (
            f"CONTAINER={container} needs CONTAINER_RUNTIME=apptainer or singularity (a .sif "
            "file), podman or docker (an image)"
        )
    if runtime != "none" and not container:
        return f"CONTAINER_RUNTIME={runtime} needs CONTAINER=<image or .sif file>"
    return None


def check_container(runtime: str, container: str | None) -> str | None:
    """The image's identity (what containers/image-id prints) when a container is asked
    for, else None.

    Raises SlurmError with what to do when the pair is inconsistent or the image is missing,
    so a bad CONTAINER fails at submission, not in every array task.
    """
    problem = container_problem(runtime, container)
    if problem:
        raise SlurmError(problem)
    if runtime == "none":
        return None
    assert container is not None
    done = subprocess.run(
        [str(IMAGE_ID_SCRIPT), runtime, container], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SlurmError(done.stderr.strip() or f"containers/image-id failed for {container}")
    return done.stdout.strip()
