"""One make target (or one array task): OCR the manifest whose SHA1 names the output."""

from __future__ import annotations

from pathlib import Path

from barnacle.listing.manifest_table import BASE_COLUMNS
from barnacle.run.layout import ocr_dir, read_manifests
from barnacle.worker import ProcessingResult, WorkerOptions, process_manifest


class UnknownManifest(LookupError):
    pass


def run_task(run_dir: Path, sha1: str, options: WorkerOptions) -> ProcessingResult:
    """OCR the manifests.tsv row with this sha1 into runs/<RUN>/ocr/<sha1>.jsonl, carrying the
    row's metadata columns (source_metadata_id, ark, ...) into every record."""
    for row in read_manifests(run_dir):
        if row.get("sha1") == sha1:
            metadata = {k: v for k, v in row.items() if k not in BASE_COLUMNS and v}
            options = options.model_copy(update={"metadata": metadata | options.metadata})
            out = ocr_dir(run_dir) / f"{sha1}.jsonl"
            return process_manifest(row["manifest_url"], out, options)
    raise UnknownManifest(f"no manifest with sha1 {sha1} in {run_dir}/manifests.tsv")
