"""Submitting a run's tasks to SLURM as job arrays of `barnacle run-task RUN_DIR SHA1`
(slurm/ocr-array.sbatch over a task list of sha1s)."""

from barnacle.job_arrays.chunks import ArrayChunk, array_spec, plan_arrays
from barnacle.job_arrays.cluster import DEFAULT_MAX_ARRAY_SIZE, SlurmError, max_array_size
from barnacle.job_arrays.container import CONTAINER_RUNTIMES, check_container
from barnacle.job_arrays.sbatch import SbatchOptions, TaskCommand, sbatch_args
from barnacle.job_arrays.submission import SubmitResult, submit
from barnacle.job_arrays.targets import Target, select_targets

__all__ = [
    "CONTAINER_RUNTIMES",
    "DEFAULT_MAX_ARRAY_SIZE",
    "ArrayChunk",
    "SbatchOptions",
    "SlurmError",
    "SubmitResult",
    "Target",
    "TaskCommand",
    "array_spec",
    "check_container",
    "max_array_size",
    "plan_arrays",
    "sbatch_args",
    "select_targets",
    "submit",
]
