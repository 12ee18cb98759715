"""The source manifest of a JSONL, read from the cache the worker filled (no HTTP here)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from barnacle.defaults import CACHE_DIR
from barnacle.images.cache import ImageCache
from barnacle.run_folder import RunFolder
from barnacle.worker.manifest_source import MANIFEST_SUFFIX


class SourceMissing(Exception):
    """The source manifest is not in the cache (or is not JSON there)."""


def cached_manifest(url: str, cache_dir: Path) -> dict[str, Any]:
    """The manifest JSON the worker fetched for `url`, from `cache_dir`."""
    path = ImageCache(cache_dir, offline=True).get(url, MANIFEST_SUFFIX)
    if path is None:
        raise SourceMissing(
            f"source manifest {url} is not in the cache {cache_dir}: pass the CACHE_DIR the "
            "run used (make export CACHE_DIR=...), or `make prefetch` it there"
        )
    try:
        data = json.loads(path.read_bytes())
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as err:
        raise SourceMissing(f"cached source manifest {path} of {url} is unreadable: {err}") from err
    if not isinstance(data, dict):
        raise SourceMissing(f"cached source manifest {path} of {url} is not a JSON object")
    return data


def run_cache_dir(run_dir: Path) -> Path:
    """The cache a run used: CACHE_DIR from its metadata.json (make run records it), else
    CACHE_DIR (make's default), both relative to the working directory as make runs."""
    try:
        meta = json.loads(RunFolder(run_dir).metadata_json.read_text())
        value = (meta.get("make_variables") or {}).get("CACHE_DIR")
    except (OSError, json.JSONDecodeError, AttributeError):
        value = None
    return Path(value) if isinstance(value, str) and value else Path(CACHE_DIR)
