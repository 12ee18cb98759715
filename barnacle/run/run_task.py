"""One make target (or one array task): OCR the manifest whose SHA1 names the output."""

from __future__ import annotations

from pathlib import Path

from barnacle.hashing import manifest_sha1
from barnacle.listing.manifest_table import row_metadata
from barnacle.run_folder import RunFolder
from barnacle.worker import ProcessingResult, WorkerOptions, process_manifest


class UnknownManifest(LookupError):
    pass


def run_task(run_dir: Path, sha1: str, options: WorkerOptions) -> ProcessingResult:
    """OCR the manifests.tsv row with this sha1 into runs/<RUN>/ocr/<sha1>.jsonl, carrying the
    row's metadata columns (source_metadata_id, ark, ...) into every record."""
    if len(sha1) != 40 or any(ch not in "0123456789abcdef" for ch in sha1):
        raise UnknownManifest(f"{sha1!r} is not the SHA1 of a manifest URL (40 hex digits)")
    run = RunFolder(run_dir)
    for row in run.read_manifests():
        # The SHA1 of the row's URL, not its sha1 cell: the output path is never read from a file.
        if row.get("manifest_url") and manifest_sha1(row["manifest_url"]) == sha1:
            metadata = row_metadata(row) | options.metadata
            options = options.model_copy(update={"metadata": metadata})
            return process_manifest(row["manifest_url"], run.output(sha1), options)
    raise UnknownManifest(f"no manifest with sha1 {sha1} in {run.manifests_tsv}")
