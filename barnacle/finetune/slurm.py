"""`make finetune EXECUTOR=slurm`: the same `barnacle finetune` as one SLURM job (GRES for a
GPU). The inputs are checked here first (NAME free, BASE installed, usable truth), so a
mistake fails at once rather than in the queue; the job's output, with each epoch's
validation CER and the gate, goes to `<log dir>/finetune-<NAME>-<job id>.out`, and the
submission is recorded beside it in `finetune-<NAME>-<job id>.json`."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from barnacle.atomic import atomic_write_text
from barnacle.job_arrays.cluster import SlurmError, run_slurm
from barnacle.job_arrays.sbatch import SbatchOptions, default_barnacle, local_path, resource_args
from barnacle.records.page_record import utc_now


class FinetuneJob(BaseModel):
    """What `finetune-<NAME>-<job id>.json` records."""

    job_id: str | None  # None: a dry run
    name: str
    log: str
    sbatch: list[str]
    submitted_at: str


def finetune_sbatch_args(
    options: SbatchOptions, name: str, log_dir: Path, command: list[str]
) -> list[str]:
    """sbatch's arguments for one job running `command` (the job's own `barnacle finetune`)."""
    args = [
        "sbatch",
        "--parsable",
        f"--job-name={options.job_name or 'barnacle-finetune-' + name}",
        f"--output={log_dir.resolve() / f'finetune-{name}-%j.out'}",
        f"--chdir={options.chdir}",
        "--export=ALL",
    ]
    return [*args, *resource_args(options), f"--wrap=exec {shlex.join(command)}"]


def job_command(finetune_args: list[str], truth: Path, base: str) -> list[str]:
    """The job's `barnacle finetune` command: these arguments, with TRUTH and a BASE path made
    absolute (the job runs in the repository folder)."""
    return [
        default_barnacle(),
        "finetune",
        f"--truth={truth.resolve()}",
        f"--base={local_path(base)}",
        *finetune_args,
    ]


def submit_finetune(
    options: SbatchOptions,
    name: str,
    log_dir: Path,
    command: list[str],
    *,
    dry_run: bool = False,
    say: Callable[[str], None] = print,
) -> FinetuneJob:
    """Submit the job (or, `dry_run`, print its sbatch command). Raises SlurmError."""
    args = finetune_sbatch_args(options, name, log_dir, command)
    if dry_run:
        say(shlex.join(args))
        return FinetuneJob(job_id=None, name=name, log="", sbatch=args, submitted_at=utc_now())
    log_dir.mkdir(parents=True, exist_ok=True)
    done = run_slurm(args)
    job_id = done.stdout.strip().split(";")[0]
    if done.returncode != 0 or not job_id.isdigit():
        raise SlurmError(
            f"sbatch failed ({done.returncode}): {(done.stderr or done.stdout).strip()}"
        )
    log = log_dir.resolve() / f"finetune-{name}-{job_id}.out"
    job = FinetuneJob(job_id=job_id, name=name, log=str(log), sbatch=args, submitted_at=utc_now())
    atomic_write_text(log.with_suffix(".json"), job.model_dump_json(indent=1) + "\n")
    say(f"submitted job {job_id}: fine-tuning {name}; progress in {log} (squeue -j {job_id})")
    return job
