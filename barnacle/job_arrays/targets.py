"""Which manifests to submit, and the task list that slurm/ocr-array.sbatch reads: one manifest
sha1 a line (runs/<RUN>/slurm/tasks-<stamp>.txt; task i of an array takes line OFFSET + i)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from barnacle.atomic import atomic_write_text
from barnacle.export.run import check_formats, stale
from barnacle.hashing import manifest_sha1
from barnacle.run_folder import RunFolder, sha1_of


@dataclass(frozen=True)
class Target:
    """One array task: a manifest and its output runs/<RUN>/ocr/<sha1>.jsonl (absolute)."""

    url: str
    output: Path
    index: str = ""  # its index in manifests.tsv

    @property
    def sha1(self) -> str:
        return sha1_of(self.output)


def target_from_row(folder: RunFolder, row: dict[str, str]) -> Target:
    url = row["manifest_url"]
    return Target(url, folder.output(manifest_sha1(url)), row.get("index", ""))


def export_due(folder: RunFolder, output: Path, formats: Sequence[str]) -> bool:
    """A finished output has a format whose export is missing or older than it (as make
    export judges it)."""
    sha1 = sha1_of(output)
    return any(stale(output, folder.export_target(fmt, sha1)) for fmt in formats)


def select_targets(
    rows: Iterable[dict[str, str]],
    run_dir: Path,
    busy: set[Path] | None = None,
    export_formats: Sequence[str] | None = None,
    due: set[str] | None = None,
) -> tuple[list[Target], int, int]:
    """(targets to submit, done, queued or running) for manifests.tsv rows. OCR and prefetch
    tasks are for manifests without output (done: output there); with `export_formats`,
    export tasks are for finished outputs with an export due (done: exports up to date).
    `due`: only these sha1s are considered (the outputs make found missing)."""
    busy = busy or set()
    folder = RunFolder(run_dir.resolve())
    if export_formats is not None:
        export_formats = check_formats(export_formats)
    targets: list[Target] = []
    done = queued = 0
    for row in rows:
        if not row.get("manifest_url"):
            continue
        target = target_from_row(folder, row)
        if due is not None and target.sha1 not in due:
            done += target.output.exists()
        elif export_formats is not None and not (
            target.output.exists() and export_due(folder, target.output, export_formats)
        ):
            done += target.output.exists()
        elif export_formats is None and target.output.exists():
            done += 1
        elif target.output in busy:
            queued += 1
        else:
            targets.append(target)
    return targets, done, queued


def read_due(path: Path) -> set[str]:
    """The sha1s of a due list (make's, one a line); ValueError naming a line that is not one."""
    from barnacle.hashing import is_sha1

    due = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() and not is_sha1(line.strip()):
            raise ValueError(f"{path} line {number}: {line.strip()!r} is not a manifest sha1")
        if line.strip():
            due.add(line.strip())
    return due


def write_task_list(path: Path, targets: list[Target]) -> None:
    atomic_write_text(path, "".join(target.sha1 + "\n" for target in targets))


def task_list_outputs(path: Path, run_dir: Path) -> list[Path]:
    """The outputs named by a task list, in line order (line 1 first): one sha1 a line, or
    (task lists of arrays submitted before settings.json) URL <TAB> OUTPUT <TAB> ...."""
    folder = RunFolder(run_dir.resolve())
    outputs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        outputs.append(Path(fields[1]) if len(fields) > 1 else folder.output(fields[0].strip()))
    return outputs
