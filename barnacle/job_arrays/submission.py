"""Submit the manifests of a run that still need a task as SLURM job arrays of `barnacle
run-task RUN_DIR SHA1` (slurm/ocr-array.sbatch over a task list of sha1s)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from barnacle.job_arrays.chunks import ArrayChunk, plan_arrays
from barnacle.job_arrays.cluster import SlurmError, max_array_size, queued_array_tasks, run_slurm
from barnacle.job_arrays.container import check_container, container_problem
from barnacle.job_arrays.sbatch import SbatchOptions, TaskCommand, sbatch_args, shell_command
from barnacle.job_arrays.targets import select_targets, task_list_outputs, write_task_list
from barnacle.run_folder import RunFolder
from barnacle.run_folder.metadata import append_slurm_jobs, slurm_jobs
from barnacle.run_folder.settings import read_settings


@dataclass
class SubmitResult:
    manifests: int = 0  # rows in manifests.tsv
    done: int = 0  # outputs already there
    queued: int = 0  # in an earlier array that is still queued or running
    submitted: int = 0  # tasks in the new arrays
    max_array_size: int = 0  # the MaxArraySize the arrays were planned for
    task_list: Path | None = None
    job_ids: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)  # shell lines (dry run)
    arrays: list[dict[str, Any]] = field(default_factory=list)

    def lines(self, run_dir: Path, dry_run: bool) -> list[str]:
        """What `barnacle submit-array` prints once the arrays are submitted (or planned)."""
        counts = f"{self.done} done, {self.queued} queued or running, of {self.manifests}"
        if not self.submitted:
            return [f"nothing to submit ({counts})"]
        skipped = f"{counts}; MaxArraySize {self.max_array_size}"
        if dry_run:
            return [
                f"dry run: would submit {self.submitted} tasks in {len(self.commands)} arrays "
                f"({skipped}); task list {self.task_list} not written"
            ]
        return [
            f"submitted {self.submitted} tasks in {len(self.job_ids)} arrays: "
            f"job ids {' '.join(self.job_ids)} ({skipped})",
            f"  task list {self.task_list}",
            f"  logs {RunFolder(run_dir.resolve()).log_pattern}",
        ]


def busy_outputs(
    run_dir: Path, env: Mapping[str, str] | None = None, stage: str = "ocr"
) -> set[Path]:
    """Outputs of tasks of this run's recorded arrays of `stage` (ocr, export, prefetch) that
    squeue still lists (any state)."""
    jobs = [job for job in slurm_jobs(run_dir) if job.get("stage", "ocr") == stage]
    if not jobs:
        return set()
    recorded = {(str(job.get("job_id")), str(job.get("comment"))): job for job in jobs}
    busy: set[Path] = set()
    outputs_of: dict[str, list[Path]] = {}
    for job_id, task_id, _state, comment in queued_array_tasks(env):
        job = recorded.get((job_id, comment))
        if job is None:
            continue
        task_list = str(job["task_list"])
        if task_list not in outputs_of:
            try:
                outputs_of[task_list] = task_list_outputs(Path(task_list), run_dir)
            except OSError:
                outputs_of[task_list] = []
        line = int(job.get("offset", 0)) + task_id
        outputs = outputs_of[task_list]
        if 1 <= line <= len(outputs):
            busy.add(outputs[line - 1])
    return busy


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def _job_id(parsable: str) -> str:
    """`sbatch --parsable` prints `JOBID` or `JOBID;CLUSTER`."""
    job_id = parsable.strip().splitlines()[-1].split(";")[0].strip() if parsable.strip() else ""
    if not job_id.isdigit():
        raise SlurmError(f"sbatch printed no job id: {parsable!r}")
    return job_id


def submit(
    run_dir: Path,
    options: SbatchOptions | None = None,
    task: TaskCommand | None = None,
    *,
    due: set[str] | None = None,
    skip_queued: bool = False,
    dry_run: bool = False,
    max_array: int | None = None,
    env: Mapping[str, str] | None = None,
    say: Callable[[str], None] = print,
) -> SubmitResult:
    """Submit, as arrays of `barnacle run-task RUN_DIR SHA1`, every manifest of the run whose
    output is missing (`due`: those make found missing), or for `task.stage` export every
    finished one with an export due. The tasks read the run's settings.json (make run writes
    it). Tasks still queued or running are never submitted twice: with `skip_queued` they are
    left out, without it submit refuses (SlurmError). `dry_run` prints the sbatch lines."""
    options = options or SbatchOptions()
    task = task or TaskCommand()
    folder = RunFolder(run_dir.resolve())
    _check_container(folder, dry_run, say)
    rows = folder.read_manifests()
    busy = busy_outputs(folder.root, env, task.stage)
    if busy and not skip_queued:
        raise SlurmError(
            f"{len(busy)} tasks of earlier arrays are still queued or running: "
            "use --skip-queued to submit only the others (or scancel them first)"
        )
    targets, done, queued = select_targets(rows, folder.root, busy, _export_formats(task), due)
    result = SubmitResult(manifests=len(rows), done=done, queued=queued)
    if not targets:
        return result
    limit = max_array or max_array_size(env)
    result.max_array_size = limit
    stamp = _stamp()
    result.task_list = folder.task_list(stamp)
    result.submitted = len(targets)
    if not dry_run:
        write_task_list(result.task_list, targets)
        folder.logs_dir.mkdir(parents=True, exist_ok=True)  # sbatch does not create it
        folder.ocr_dir.mkdir(parents=True, exist_ok=True)
    for chunk in plan_arrays(len(targets), limit, options.throttle):
        comment = f"barnacle:{folder.name}:{stamp}:{chunk.offset}"
        args = sbatch_args(
            options,
            run_dir=folder.root,
            array=chunk.array,
            task_list=result.task_list,
            offset=chunk.offset,
            comment=comment,
            task=task,
        )
        result.commands.append(shell_command(args, task))
        if dry_run:
            say(result.commands[-1])
            continue
        _submit_array(folder, args, task, env, chunk, result, comment)
    return result


def _export_formats(task: TaskCommand) -> list[str] | None:
    """The formats export tasks write; None for the other stages."""
    if task.stage != "export":
        return None
    if not task.formats:
        raise ValueError("export tasks need the formats to write (--formats)")
    return task.formats.split(",")


def _check_container(folder: RunFolder, dry_run: bool, say: Callable[[str], None]) -> None:
    """The run's container (settings.json) checked once, before any task is submitted: the
    pair of CONTAINER and CONTAINER_RUNTIME always, the image itself when submitting."""
    settings = read_settings(folder.settings_json)
    problem = container_problem(settings.container_runtime, settings.container)
    if problem:
        raise SlurmError(problem)
    if not dry_run:
        image = check_container(settings.container_runtime, settings.container)
        if image:
            say(f"array tasks run in {settings.container_runtime} container {image}")


def _submit_array(
    folder: RunFolder,
    args: list[str],
    task: TaskCommand,
    env: Mapping[str, str] | None,
    chunk: ArrayChunk,
    result: SubmitResult,
    comment: str,
) -> None:
    """sbatch one array; its job recorded in metadata.json and in `result`."""
    done_run = run_slurm(args, env=task.environment(env))
    if done_run.returncode != 0:
        raise SlurmError(
            f"sbatch failed for tasks {chunk.offset + 1}-{chunk.offset + chunk.count} "
            f"({len(result.job_ids)} arrays submitted before): {done_run.stderr.strip()}"
        )
    job_id = _job_id(done_run.stdout)
    record = {
        "job_id": job_id,
        "array": chunk.array,
        "offset": chunk.offset,
        "count": chunk.count,
        "task_list": str(result.task_list),
        "comment": comment,
        "stage": task.stage,
        "submitted_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    append_slurm_jobs(folder.root, [record])
    result.job_ids.append(job_id)
    result.arrays.append(record)
