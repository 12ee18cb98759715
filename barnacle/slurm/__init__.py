"""Submitting manifests.tsv to SLURM as job arrays of `barnacle ocr` (slurm/ocr-array.sbatch)."""

from barnacle.slurm.cluster import DEFAULT_MAX_ARRAY_SIZE, SlurmError, max_array_size
from barnacle.slurm.container import CONTAINER_RUNTIMES, check_container
from barnacle.slurm.plan import ArrayChunk, array_spec, plan_arrays
from barnacle.slurm.sbatch import SbatchOptions, WorkerEnv, sbatch_args, worker_environment
from barnacle.slurm.submission import SubmitResult, submit
from barnacle.slurm.targets import Target, select_targets

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
