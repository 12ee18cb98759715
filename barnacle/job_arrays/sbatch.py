"""The sbatch command line of one array, and the environment that carries worker options."""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from barnacle.defaults import ARRAY_THROTTLE
from barnacle.run_folder import RunFolder

REPO = Path(__file__).resolve().parents[2]
SBATCH_SCRIPT = REPO / "slurm" / "ocr-array.sbatch"


_MEMORY = re.compile(r"^\d+[KMGT]B?$", re.IGNORECASE)


def check_memory(mem: str) -> str:
    """sbatch's --mem (MEM) when it names its unit, or 0 (all of a node's memory); else
    ValueError naming the fix. A bare number is refused: sbatch reads `--mem=16` as 16 MB,
    which no task survives, and guessing GB would make MEM=4000 (meant as MB) 4 TB."""
    mem = mem.strip()
    if mem == "0" or _MEMORY.match(mem):
        return mem
    if mem.isdigit():
        raise ValueError(
            f"memory {mem!r} has no unit and SLURM would read it as {mem} MB: "
            f"write MEM={mem}G (or MEM={mem}M if megabytes are meant)"
        )
    raise ValueError(f"memory {mem!r} is not a SLURM size: write e.g. MEM=8G or MEM=8000M")


@dataclass
class SbatchOptions:
    """Resources and placement; each becomes an sbatch option only when set."""

    partition: str | None = None
    cpus_per_task: int | None = None
    mem: str | None = None
    time: str | None = None
    gres: str | None = None
    account: str | None = None
    throttle: int | None = ARRAY_THROTTLE  # array tasks running at once; None or 0: no limit
    job_name: str | None = None  # default barnacle-<RUN>
    extra: list[str] = field(default_factory=list)  # more sbatch options, as words
    script: Path = SBATCH_SCRIPT
    chdir: Path = REPO


@dataclass
class WorkerEnv:
    """`barnacle ocr` options, passed to each array task as environment variables."""

    barnacle: str | None = None  # the command; default: the barnacle next to this Python
    model: str | None = None
    cache_dir: str | None = None
    max_pages: int | None = None
    size: str | None = None
    device: str | None = None
    threads: int | None = None
    page_processes: int | None = None
    offline: bool = False
    container: str | None = None  # image (podman/docker) or .sif file (apptainer/singularity)
    container_runtime: str = "none"  # none, apptainer, singularity, podman or docker
    gres: str | None = None  # the array's --gres: a GPU there adds the runtime's GPU flags
    precision: str | None = None  # kraken's precision, e.g. bf16-mixed on a GPU
    batch_size: int | None = None  # lines recognised at once
    stage: str = "ocr"  # what each task does with its manifest: ocr, export or prefetch
    formats: str | None = None  # export: the formats, comma-separated
    publish_url: str | None = None  # export: where iiif/ is served

    def variables(self) -> dict[str, str]:
        """Every variable the task script reads; "" means the worker's default."""
        return {
            "BARNACLE": self.barnacle or default_barnacle(),
            "MODEL": self.model or "",
            "CACHE_DIR": self.cache_dir or "",
            "MAX_PAGES": "" if self.max_pages is None else str(self.max_pages),
            "SIZE": self.size or "",
            "DEVICE": self.device or "",
            "THREADS": "" if self.threads is None else str(self.threads),
            "PAGE_PROCESSES": "" if self.page_processes is None else str(self.page_processes),
            "OFFLINE": "1" if self.offline else "",
            "CONTAINER": self.container or "",
            "CONTAINER_RUNTIME": self.container_runtime or "none",
            "GRES": self.gres or "",
            "PRECISION": self.precision or "",
            "BATCH_SIZE": "" if self.batch_size is None else str(self.batch_size),
            "STAGE": self.stage,
            "FORMATS": self.formats or "",
            "PUBLISH_URL": self.publish_url or "",
        }


def local_path(value: str | None) -> str | None:
    """`value` made absolute when it names a file or folder here (array tasks run in the
    repository folder, not where the command was typed); anything else (a DOI, an image name)
    unchanged."""
    if value and Path(value).expanduser().exists():
        return str(Path(value).expanduser().resolve())
    return value


def default_barnacle() -> str:
    """`barnacle` in this interpreter's bin folder (the venv), else .venv/bin/barnacle."""
    beside = Path(sys.executable).parent / "barnacle"
    if beside.is_file():
        return str(beside.absolute())
    return str(REPO / ".venv" / "bin" / "barnacle")


def sbatch_args(
    options: SbatchOptions,
    *,
    run_dir: Path,
    array: str,
    task_list: Path,
    offset: int,
    comment: str,
) -> list[str]:
    """sbatch's argument list for one array over task-list lines offset+1..offset+count."""
    run_dir = run_dir.resolve()
    args = [
        "sbatch",
        "--parsable",
        f"--job-name={options.job_name or 'barnacle-' + run_dir.name}",
        f"--array={array}",
        f"--output={RunFolder(run_dir).log_pattern}",
        f"--chdir={options.chdir}",
        f"--comment={comment}",
        # Configuration travels in the environment: `--export=VAR=value` lists break on commas.
        "--export=ALL",
    ]
    return [*args, *resource_args(options), str(options.script), str(task_list), str(offset)]


def resource_args(options: SbatchOptions) -> list[str]:
    """The resources a job asks for (partition, CPUs, memory, time, GRES, account: the ones
    set) and the extra sbatch options, as sbatch arguments."""
    optional = [
        ("--partition", options.partition),
        ("--cpus-per-task", options.cpus_per_task),
        ("--mem", options.mem),
        ("--time", options.time),
        ("--gres", options.gres),
        ("--account", options.account),
    ]
    return [f"{flag}={value}" for flag, value in optional if value not in (None, "")] + list(
        options.extra
    )


def worker_environment(worker: WorkerEnv, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for sbatch: `base` (default os.environ) with the worker variables set."""
    env = dict(os.environ if base is None else base)
    env.update(worker.variables())
    return env


def shell_command(args: list[str], worker: WorkerEnv) -> str:
    """The command as one shell line: `VAR=value ... sbatch ...`, quoted for a POSIX shell.

    Every worker variable is set, empty ones too, so an exported MODEL or SIZE cannot leak in.
    """
    assignments = [
        f"{name}={shlex.quote(value) if value else ''}"
        for name, value in worker.variables().items()
    ]
    return " ".join([*assignments, shlex.join(args)])
