"""What a worker is asked to do with one manifest (WorkerOptions) and what it reports back
(ProcessingResult), whose status maps to the process's exit code."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from barnacle import defaults
from barnacle.defaults import ExitCode

Status = Literal["complete", "page_errors", "not_started", "locked", "stopped"]
EXIT_CODES: dict[Status, ExitCode] = {
    "complete": ExitCode.OK,
    "page_errors": ExitCode.PAGE_ERRORS,
    "not_started": ExitCode.NOT_STARTED,
    "locked": ExitCode.LOCKED,
    "stopped": ExitCode.STOPPED,
}


def default_page_processes() -> int:
    """The CPUs this task was given: SLURM's count, else the CPUs we may run on."""
    for name in ("SLURM_CPUS_PER_TASK", "SLURM_CPUS_ON_NODE"):
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return max(1, len(os.sched_getaffinity(0)))


def threads_per_process(requested: int, processes: int, cpus: int) -> int:
    """Torch threads for each of `processes` page processes: `requested`, lowered so that
    processes x threads stays within the task's `cpus` (threads past the CPUs only spin
    against each other), and never below 1."""
    return max(1, min(requested, cpus // max(1, processes)))


class WorkerOptions(BaseModel):
    model_config = ConfigDict(protected_namespaces=())

    model: str | None = None  # path; None = BARNACLE_MODEL or the demo model
    cache_dir: Path = Path(defaults.CACHE_DIR)
    max_pages: int | None = None
    size: str = defaults.IMAGE_SIZE
    device: str = defaults.DEVICE
    threads: int = defaults.THREADS  # torch threads per page process
    page_processes: int = Field(default_factory=default_page_processes)
    prefetch: int = 2  # images fetched ahead of the OCR
    resume: bool = True
    offline: bool = False
    metadata: dict[str, str] = Field(default_factory=dict)  # e.g. source_metadata_id, ark
    max_image_pixels: int | None = None
    progress: bool = True
    precision: str = defaults.PRECISION  # kraken's precisions, e.g. bf16-mixed on a GPU
    batch_size: int = defaults.BATCH_SIZE  # lines recognised at once (larger on a GPU)
    segmentation_cache: bool = True  # reuse page segmentations kept in cache_dir


class ProcessingResult(BaseModel):
    manifest_url: str
    out: Path
    status: Status
    message: str = ""
    pages_total: int = 0
    pages_skipped: int = 0  # already done by an earlier run
    pages_done: int = 0  # done by this run
    pages_failed: int = 0
    elapsed_s: float = 0.0

    @property
    def exit_code(self) -> ExitCode:
        return EXIT_CODES[self.status]
