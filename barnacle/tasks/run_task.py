"""One task of a run: `barnacle run-task RUN_DIR SHA1 [--stage=...]`, the one command every
executor runs (make's pattern rule here, slurm/ocr-array.sbatch in each array task).

The task reads its options from runs/<RUN>/settings.json (written by `make run`), finds the
manifest whose URL has this SHA1 in manifests.tsv and, by stage, OCRs it into ocr/<sha1>.jsonl
(ocr), writes the exports of that finished output (export), or downloads its manifest and page
images into the cache (prefetch).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from barnacle.hashing import is_sha1, manifest_sha1
from barnacle.listing.manifest_table import row_metadata
from barnacle.run_folder import RunFolder
from barnacle.run_folder.settings import RunSettings, read_settings
from barnacle.worker import ProcessingResult, WorkerOptions, process_manifest

if TYPE_CHECKING:
    from barnacle.export import ExportReport


class UnknownManifest(LookupError):
    pass


def task_row(folder: RunFolder, sha1: str) -> dict[str, str]:
    """The manifests.tsv row whose manifest URL has this SHA1 (UnknownManifest when none)."""
    if not is_sha1(sha1):
        raise UnknownManifest(f"{sha1!r} is not the SHA1 of a manifest URL (40 hex digits)")
    for row in folder.read_manifests():
        # The SHA1 of the row's URL, not its sha1 cell: the output path is never read from a file.
        if row.get("manifest_url") and manifest_sha1(row["manifest_url"]) == sha1:
            return row
    raise UnknownManifest(f"no manifest with sha1 {sha1} in {folder.manifests_tsv}")


def run_task(
    folder: RunFolder, sha1: str, progress: bool = True, resume: bool = True
) -> ProcessingResult:
    """OCR the manifests.tsv row with this sha1 into runs/<RUN>/ocr/<sha1>.jsonl with the run's
    settings, carrying the row's metadata columns (source_metadata_id, ark, ...) into every
    record. SettingsError when settings.json is missing or invalid."""
    row = task_row(folder, sha1)
    options = WorkerOptions.for_run(
        read_settings(folder.settings_json),
        metadata=row_metadata(row),
        progress=progress,
        resume=resume,
    )
    return process_manifest(row["manifest_url"], folder.output(sha1), options)


def export_task(
    folder: RunFolder, sha1: str, formats: list[str], publish_url: str | None
) -> ExportReport:
    """Write the exports `formats` of the manifest's finished ocr/<sha1>.jsonl (as `barnacle
    export FORMATS OUTPUT` does), reading its pages from the run's cache."""
    from barnacle.export import ExportOptions, ExportReport, export_jsonl
    from barnacle.export.published_urls import normalise_publish_url

    task_row(folder, sha1)
    settings = read_settings(folder.settings_json)
    output = folder.output(sha1)
    if not output.is_file():
        raise FileNotFoundError(f"{output} not found: the manifest is not finished")
    options = ExportOptions(
        publish_url=normalise_publish_url(publish_url), cache_dir=settings.cache_dir
    )
    report = ExportReport(run_dir=folder.root, formats=formats)
    report.exported.append(export_jsonl(output, formats, folder.root, options))
    return report


def prefetch_task(
    folder: RunFolder, sha1: str, progress: bool = True
) -> tuple[Counter[str], list[str]]:
    """Download the manifest's pages into the run's cache at the run's size (`make prefetch`
    for one manifest)."""
    from barnacle.tasks.prefetch import prefetch

    row = task_row(folder, sha1)
    settings: RunSettings = read_settings(folder.settings_json)
    return prefetch(
        folder.root,
        Path(settings.cache_dir),
        settings.size,
        settings.max_pages,
        progress=progress,
        only=row["manifest_url"],
    )
