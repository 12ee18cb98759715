"""Submitting manifests.tsv to SLURM as job arrays of `barnacle ocr` (slurm/ocr-array.sbatch)."""

from barnacle.job_arrays.chunks import ArrayChunk, array_spec, plan_arrays
from barnacle.job_arrays.cluster import DEFAULT_MAX_ARRAY_SIZE, SlurmError, max_array_size
from barnacle.job_arrays.container import CONTAINER_RUNTIMES, check_container
from barnacle.job_arrays.sbatch import SbatchOptions, WorkerEnv, sbatch_args, worker_environment
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
    "WorkerEnv",
    "array_spec",
    "check_container",
    "max_array_size",
    "plan_arrays",
    "sbatch_args",
    "select_targets",
    "submit",
    "worker_environment",
]
