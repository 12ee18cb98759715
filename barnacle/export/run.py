"""Export finished JSONL files: by hand (`barnacle export FORMAT JSONL ...`), or a whole run
(`export_run`, what a rerun of make does: only what is missing or older than its JSONL)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from barnacle.export.problems import Problem
from barnacle.export.published_urls import normalise_publish_url
from barnacle.export.records import read_manifest_records
from barnacle.export.source_manifest import run_cache_dir
from barnacle.export.writers import WRITERS, ExportOptions, FormatResult
from barnacle.run_folder import RunFolder, sha1_of
from barnacle.run_folder.folder import EXPORT_FORMATS, run_folder_of


class ManifestExport(BaseModel):
    """One JSONL's exports: the formats written and what went wrong or was noted."""

    jsonl: Path
    sha1: str
    results: list[FormatResult] = []
    problems: list[Problem] = []  # of reading the JSONL (torn or foreign lines)
    notes: list[Problem] = []  # exported at line level, say

    @property
    def all_problems(self) -> list[Problem]:
        problems = list(self.problems)
        seen = {str(p) for p in problems}
        for result in self.results:
            for problem in result.problems:
                if str(problem) not in seen:  # one geometry problem, not one per format
                    seen.add(str(problem))
                    problems.append(problem)
        return problems


class ExportReport(BaseModel):
    """What an export run did: manifests exported, targets already current, problems."""

    run_dir: Path
    formats: list[str]
    exported: list[ManifestExport] = []
    up_to_date: int = 0  # (manifest, format) targets newer than their JSONL, left alone

    @property
    def problems(self) -> list[Problem]:
        return [p for manifest in self.exported for p in manifest.all_problems]

    @property
    def notes(self) -> list[Problem]:
        return [n for manifest in self.exported for n in manifest.notes]

    @property
    def files(self) -> int:
        return sum(len(r.files) for m in self.exported for r in m.results)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_formats(formats: Sequence[str]) -> list[str]:
    """The formats, in order, duplicates dropped; ValueError naming an unknown one."""
    unknown = [f for f in formats if f not in EXPORT_FORMATS]
    if unknown:
        raise ValueError(
            f"unknown export format {unknown[0]!r}: choose from {' '.join(EXPORT_FORMATS)}"
        )
    return list(dict.fromkeys(formats))


def default_run_dir(jsonl: Path) -> Path:
    """The run folder of `runs/<RUN>/ocr/<sha1>.jsonl` (else the JSONL's own folder)."""
    run = run_folder_of(jsonl)
    return run.root if run is not None else jsonl.parent


def export_jsonl(
    jsonl: Path, formats: Sequence[str], run_dir: Path, options: ExportOptions
) -> ManifestExport:
    """Every format of one finished JSONL, written into `run_dir`."""
    records = read_manifest_records(jsonl)
    done = ManifestExport(
        jsonl=jsonl, sha1=records.sha1, problems=records.problems, notes=records.notes
    )
    for fmt in check_formats(formats):
        result = WRITERS[fmt](records, run_dir, options)
        done.results.append(result)
        if records.problems or result.problems:
            _leave_stale(jsonl, RunFolder(run_dir).export_target(fmt, records.sha1))
    return done


def _leave_stale(jsonl: Path, target: Path) -> None:
    """A target exported with problems is dated before its JSONL, so the next `make export`
    (or export_run) tries it again and reports them again instead of passing silently."""
    if target.exists():
        before = jsonl.stat().st_mtime - 1
        os.utime(target, (before, before))


def stale(jsonl: Path, target: Path) -> bool:
    """The target is missing or older than its JSONL (as make judges it)."""
    try:
        return target.stat().st_mtime < jsonl.stat().st_mtime
    except FileNotFoundError:
        return True


def export_run(
    run_dir: Path,
    formats: Sequence[str],
    publish_url: str | None = None,
    force: bool = False,
    cache_dir: Path | None = None,
) -> ExportReport:
    """Export every finished `ocr/<sha1>.jsonl` of the run whose outputs are missing or older
    than it (force: all of them) in `formats`. The source manifests (for IIIF) come from
    `cache_dir`, by default the cache the run used. A folder with no `ocr/` is refused
    (FileNotFoundError): exporting nothing from a mistyped run is not a success."""
    wanted = check_formats(formats)
    run = RunFolder(run_dir)
    if not run.ocr_dir.is_dir():
        raise FileNotFoundError(
            f"{run_dir} has no OCR output ({run.ocr_dir} not found): "
            "name a run folder runs/<RUN> that make run has written into"
        )
    options = ExportOptions(
        publish_url=normalise_publish_url(publish_url),
        cache_dir=cache_dir or run_cache_dir(run_dir),
    )
    report = ExportReport(run_dir=run_dir, formats=wanted)
    for jsonl in run.finished_outputs():
        sha1 = sha1_of(jsonl)
        todo = [f for f in wanted if force or stale(jsonl, run.export_target(f, sha1))]
        report.up_to_date += len(wanted) - len(todo)
        if todo:
            report.exported.append(export_jsonl(jsonl, todo, run_dir, options))
    return report
