"""What a cache folder holds, by kind: files and bytes (`make cache-size`)."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from pydantic import BaseModel

from barnacle.images.cache import IMAGE_SUFFIX, INFO_SUFFIX, TEMP_SUFFIX
from barnacle.ocr.segmentation_cache import FOLDER as SEGMENTATIONS
from barnacle.worker.manifest_source import MANIFEST_SUFFIX

KINDS = {
    IMAGE_SUFFIX: "page images",
    INFO_SUFFIX: "info.json",
    MANIFEST_SUFFIX: "manifests",
    TEMP_SUFFIX: "downloads in progress",
}


class CacheUsage(BaseModel):
    """Files and bytes per kind of file (page images, info.json, manifests, segmentations)."""

    root: str
    files: dict[str, int]
    bytes: dict[str, int]

    @property
    def total_files(self) -> int:
        return sum(self.files.values())

    @property
    def total_bytes(self) -> int:
        return sum(self.bytes.values())


def _kind(relative: str, name: str) -> str:
    if relative.split(os.sep, 1)[0] == SEGMENTATIONS:
        return "segmentations"
    for suffix, kind in KINDS.items():
        if name.endswith(suffix):
            return kind
    return "other"


def cache_usage(root: Path) -> CacheUsage:
    """Walk the whole cache once (os.scandir, no file opened). A missing folder is empty."""
    files: Counter[str] = Counter()
    sizes: Counter[str] = Counter()
    for folder, _, names in os.walk(root):
        relative = os.path.relpath(folder, root)
        for name in names:
            try:
                size = os.stat(os.path.join(folder, name)).st_size
            except FileNotFoundError:
                continue  # removed meanwhile (a download renamed into place)
            kind = _kind(relative, name)
            files[kind] += 1
            sizes[kind] += size
    return CacheUsage(root=str(root), files=dict(files), bytes=dict(sizes))
