"""A run has one collection, one model and one image size (`make run` checks, before any work,
against the run's settings.json and metadata.json, before it rewrites them).

The page key of a record names the model (sha256) and the image request, so a run resumed with
another MODEL or SIZE would redo every page under new keys while its finished manifests keep
the old model; and `runs/<RUN>/collection.json` is taken once, so another COLLECTION would be
recorded in metadata.json but not OCRed. Both are refused with a message naming the way out: a
new RUN (or removing the old run's folder to redo it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from barnacle.run_folder import RunFolder
from barnacle.run_folder.settings import RunSettings, SettingsError, read_settings


def _has_outputs(run_dir: Path) -> bool:
    run = RunFolder(run_dir)
    return bool(run.record_files() or run.error_files())


def snapshot_source(run_dir: Path) -> str | None:
    """The SOURCE that runs/<RUN>/collection.json was taken from, None without a snapshot."""
    try:
        data = json.loads(RunFolder(run_dir).collection_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    source = data.get("source") if isinstance(data, dict) else None
    return source if isinstance(source, str) else None


def same_source(a: str, b: str) -> bool:
    """Two spellings of one COLLECTION: the same URL, or paths to the same file."""
    if a == b:
        return True
    if "://" in a or "://" in b:
        return a.rstrip("/") == b.rstrip("/")
    return Path(a).resolve() == Path(b).resolve()


def collection_conflict(run_dir: Path, collection: str | None) -> str | None:
    """Why COLLECTION cannot be used for this run (its snapshot is of another), or None."""
    taken = snapshot_source(run_dir)
    if not collection or taken is None or same_source(taken, collection):
        return None
    return (
        f"{run_dir} holds a snapshot of COLLECTION={taken}, not {collection}: use a new "
        f"RUN=name for it, or run without COLLECTION to go on with {run_dir.name} "
        f"(rm -r {run_dir} to start it over)"
    )


def previous_settings(run_dir: Path) -> RunSettings | None:
    """The settings the run was last started with (runs/<RUN>/settings.json), None when it
    has none (a new run, or one started before settings.json) or they no longer read."""
    try:
        return read_settings(RunFolder(run_dir).settings_json)
    except SettingsError:
        return None


def plan_conflict(
    run_dir: Path, recorded: dict[str, Any], model_sha256: str, model_ref: str, size: str
) -> str | None:
    """Why this MODEL and SIZE cannot be used for the run (it has outputs made with others),
    or None. The run's SIZE is that of its settings.json (else of metadata.json, `recorded`,
    for a run started before settings.json); its model's sha256 is in metadata.json, written
    by the same `make run`."""
    recorded_model = recorded.get("model")
    old_model: dict[str, Any] = recorded_model if isinstance(recorded_model, dict) else {}
    old_sha = old_model.get("sha256") if old_model else None
    previous = previous_settings(run_dir)
    old_size = previous.size if previous else recorded.get("size")
    changes = []
    if old_sha and old_sha != model_sha256:
        old_name = old_model.get("ref") or old_model.get("resolved")
        changes.append(
            f"MODEL {old_name} (sha256 {str(old_sha)[:12]}...), not {model_ref} "
            f"(sha256 {model_sha256[:12]}...)"
        )
    if old_size and old_size != size:
        changes.append(f"SIZE={old_size}, not {size}")
    if not changes or not _has_outputs(run_dir):
        return None
    return (
        f"{run_dir} was OCRed with {' and '.join(changes)}; a run has one model and one "
        f"size: use a new RUN=name (or rm -r {run_dir}/ocr to redo this run, or go on with "
        "the run's own MODEL and SIZE)"
    )
