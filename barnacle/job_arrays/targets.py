"""Which manifests to submit, and the task list that slurm/ocr-array.sbatch reads."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from barnacle.atomic import atomic_write_text
from barnacle.export.run import check_formats, stale
from barnacle.listing.manifest_table import row_metadata
from barnacle.run_folder import RunFolder, sha1_of


@dataclass(frozen=True)
class Target:
    """One array task: a manifest, its output, and the metadata carried into its records."""

    url: str
    output: Path
    metadata: dict[str, str] = field(default_factory=dict)
    index: str = ""  # its index in manifests.tsv

    def task_line(self) -> str:
        fields = [self.url, str(self.output)]
        fields += [f"{key}={value}" for key, value in self.metadata.items()]
        for text in fields:
            if any(char in text for char in "\t\r\n"):
                raise ValueError(f"tab or newline in a task field: {text!r}")
        return "\t".join(fields)


def output_for(run_dir: Path, url: str) -> Path:
    """The absolute output path of a manifest: RUN_DIR/ocr/<sha1>.jsonl."""
    return RunFolder(run_dir.resolve()).output_for_url(url)


def target_from_row(run_dir: Path, row: dict[str, str]) -> Target:
    url = row["manifest_url"]
    return Target(url, output_for(run_dir, url), row_metadata(row), row.get("index", ""))


def export_due(run_dir: Path, output: Path, formats: Sequence[str]) -> bool:
    """A finished output has a format whose export is missing or older than it (as make
    export judges it)."""
    run, sha1 = RunFolder(run_dir.resolve()), sha1_of(output)
    return any(stale(output, run.export_target(fmt, sha1)) for fmt in formats)


def select_targets(
    rows: Iterable[dict[str, str]],
    run_dir: Path,
    busy: set[Path] | None = None,
    export_formats: Sequence[str] | None = None,
) -> tuple[list[Target], int, int]:
    """(targets to submit, done, queued or running) for manifests.tsv rows. OCR and prefetch
    tasks are for manifests without output (done: output there); with `export_formats`,
    export tasks are for finished outputs with an export due (done: exports up to date)."""
    busy = busy or set()
    if export_formats is not None:
        export_formats = check_formats(export_formats)
    targets: list[Target] = []
    done = queued = 0
    for row in rows:
        if not row.get("manifest_url"):
            continue
        target = target_from_row(run_dir, row)
        if export_formats is not None and not (
            target.output.exists() and export_due(run_dir, target.output, export_formats)
        ):
            done += target.output.exists()
        elif export_formats is None and target.output.exists():
            done += 1
        elif target.output in busy:
            queued += 1
        else:
            targets.append(target)
    return targets, done, queued


def write_task_list(path: Path, targets: list[Target]) -> None:
    atomic_write_text(path, "".join(target.task_line() + "\n" for target in targets))


def task_list_outputs(path: Path) -> list[Path]:
    """The outputs named by a task list, in line order (line 1 first)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Path(line.split("\t")[1]) for line in lines if "\t" in line]
