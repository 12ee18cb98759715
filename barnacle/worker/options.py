"""What a worker is asked to do with one manifest (WorkerOptions) and what it reports back
(ProcessingResult), whose status maps to the process's exit code."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from barnacle.defaults import ExitCode
from barnacle.run_folder.settings import RunSettings

Status = Literal["complete", "page_errors", "not_started", "locked", "stopped"]
EXIT_CODES: dict[Status, ExitCode] = {
    "complete": ExitCode.OK,
    "page_errors": ExitCode.PAGE_ERRORS,
    "not_started": ExitCode.NOT_STARTED,
    "locked": ExitCode.LOCKED,
    "stopped": ExitCode.STOPPED,
}


def task_cpus() -> int:
    """The CPUs this task was given: SLURM's count, else the CPUs we may run on."""
    cpus = slurm_cpus()
    return cpus if cpus is not None else max(1, len(os.sched_getaffinity(0)))


def slurm_cpus() -> int | None:
    """The CPUs SLURM gave this task, None outside SLURM."""
    for name in ("SLURM_CPUS_PER_TASK", "SLURM_CPUS_ON_NODE"):
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return None


def default_page_processes(jobs: int = 1) -> int:
    """Page processes per manifest when PAGE_PROCESSES is empty: the CPUs SLURM gave the task,
    else this machine's CPUs shared by the JOBS manifests OCRed at once (make -j JOBS)."""
    cpus = slurm_cpus()
    if cpus is not None:
        return cpus
    return max(1, task_cpus() // max(1, jobs))


def threads_per_process(requested: int, processes: int, cpus: int) -> int:
    """Torch threads for each of `processes` page processes: `requested`, lowered so that
    processes x threads stays within the task's `cpus` (threads past the CPUs only spin
    against each other), and never below 1."""
    return max(1, min(requested, cpus // max(1, processes)))


class WorkerOptions(RunSettings):
    """A run's settings (RunSettings: runs/<RUN>/settings.json, or `barnacle ocr`'s options)
    and what one invocation adds: the manifest's metadata, progress, resume, ..."""

    prefetch: int = 2  # images fetched ahead of the OCR
    resume: bool = True
    metadata: dict[str, str] = Field(default_factory=dict)  # e.g. source_metadata_id, ark
    max_image_pixels: int | None = None
    progress: bool = True
    segmentation_cache: bool = True  # reuse page segmentations kept in cache_dir

    @property
    def processes(self) -> int:
        """The page processes of this task: PAGE_PROCESSES, else `default_page_processes` of
        the task's CPUs and JOBS, computed here once."""
        return self.page_processes or default_page_processes(self.jobs)

    @classmethod
    def for_run(cls, settings: RunSettings, **invocation: Any) -> WorkerOptions:
        """The options of one task of a run: its settings, and this invocation's own."""
        return cls.model_validate(settings.model_dump() | invocation)


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
