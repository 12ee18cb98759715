"""Running array tasks in a container: the runtimes slurm/ocr-array.sbatch knows, and the
image identity that page records and metadata.json carry (containers/image-id)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from barnacle.job_arrays.cluster import SlurmError

REPO = Path(__file__).resolve().parents[2]
IMAGE_ID_SCRIPT = REPO / "containers" / "image-id"
CONTAINER_RUNTIMES = ("none", "apptainer", "singularity", "podman", "docker")


def check_container(runtime: str, container: str | None) -> str | None:
    """The image's identity (what containers/image-id prints) when a container is asked
    for, else None.

    Raises SlurmError with what to do when the pair is inconsistent or the image is missing,
    so a bad CONTAINER fails at submission, not in every array task.
    """
    if runtime not in CONTAINER_RUNTIMES:
        raise SlurmError(
            f"unknown container runtime {runtime!r}; use one of {', '.join(CONTAINER_RUNTIMES)}"
        )
    if runtime == "none":
        if container:
            raise SlurmError(
                f"CONTAINER={container} needs CONTAINER_RUNTIME=apptainer|singularity|podman|docker"
            )
        return None
    if not container:
        raise SlurmError(f"CONTAINER_RUNTIME={runtime} needs CONTAINER=<image or .sif file>")
    done = subprocess.run(
        [str(IMAGE_ID_SCRIPT), runtime, container], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SlurmError(done.stderr.strip() or f"containers/image-id failed for {container}")
    return done.stdout.strip()
