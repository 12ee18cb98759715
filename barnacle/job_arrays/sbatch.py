"""The sbatch command line of one array: its resources, and the task script over a task list."""

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
class TaskCommand:
    """What each array task runs: `barnacle run-task RUN_DIR SHA1 [--stage=...]`, its options
    read from the run's settings.json. Only the stage travels on the command line."""

    barnacle: str | None = None  # the command; default: the barnacle next to this Python
    stage: str = "ocr"  # ocr, export or prefetch
    formats: str | None = None  # export: the formats, comma-separated
    publish_url: str | None = None  # export: where iiif/ is served

    def stage_args(self) -> list[str]:
        """The words after RUN_DIR TASK_LIST OFFSET: the stage and its options, if any."""
        if self.stage == "ocr":
            return []
        words = [f"--stage={self.stage}"]
        if self.formats:
            words.append(f"--formats={self.formats}")
        if self.publish_url:
            words.append(f"--publish-url={self.publish_url}")
        return words

    def environment(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """sbatch's environment: `base` (default os.environ) with BARNACLE, the command the
        task script runs."""
        return {**(os.environ if base is None else base), "BARNACLE": self.command()}

    def command(self) -> str:
        return self.barnacle or default_barnacle()


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
    task: TaskCommand | None = None,
) -> list[str]:
    """sbatch's argument list for one array over task-list lines offset+1..offset+count:
    `sbatch ... slurm/ocr-array.sbatch RUN_DIR TASK_LIST OFFSET [STAGE OPTIONS]`."""
    run_dir = run_dir.resolve()
    args = [
        "sbatch",
        "--parsable",
        f"--job-name={options.job_name or 'barnacle-' + run_dir.name}",
        f"--array={array}",
        f"--output={RunFolder(run_dir).log_pattern}",
        f"--chdir={options.chdir}",
        f"--comment={comment}",
        "--export=ALL",
    ]
    script = [str(options.script), str(run_dir), str(task_list), str(offset)]
    stage = task.stage_args() if task else []
    return [*args, *resource_args(options), *script, *stage]


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


def shell_command(args: list[str], task: TaskCommand) -> str:
    """The command as one shell line, `BARNACLE=... sbatch ...`, quoted for a POSIX shell."""
    return f"BARNACLE={shlex.quote(task.command())} {shlex.join(args)}"
