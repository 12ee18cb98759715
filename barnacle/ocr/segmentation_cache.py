"""Page segmentations kept in the shared cache, so a rerun with another recognition model
costs recognition only (segmentation is about 90% of a page's time on a CPU).

An entry is keyed by the page image's sha256, the segmentation model's sha256, the kraken
version and the settings that change the result (text direction). Layout:
`<cache>/segmentations/<aa>/<key>.json`, written atomically (a `.<key>.json.*.part` temp file
as the image cache names its own, fsync, rename) and
holding the sha256 of its own payload: an entry that does not parse, names another key or
fails its digest is removed and the page is segmented again. Entries made on a GPU and on a
CPU are interchangeable (the device is not in the key).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from barnacle.atomic import atomic_write_bytes

if TYPE_CHECKING:
    from kraken.containers import Segmentation

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the stored form changes: old entries are then simply not found
FOLDER = "segmentations"


def segmentation_key(image_sha256: str, model_sha256: str, settings: dict[str, Any]) -> str:
    """The cache key: sha256 of everything that decides a page's segmentation."""
    facts = {"format": FORMAT, "image": image_sha256, "model": model_sha256, **settings}
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


def _plain_value(value: Any) -> Any:
    """numpy scalars and arrays as Python numbers and lists; anything else (a path) as text."""
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def to_plain(segmentation: Segmentation) -> dict[str, Any]:
    """A kraken Segmentation as plain JSON data (tuples become lists)."""
    plain: dict[str, Any] = json.loads(
        json.dumps(dataclasses.asdict(segmentation), default=_plain_value)
    )
    return plain


def from_plain(data: dict[str, Any]) -> Segmentation:
    """The kraken Segmentation that `to_plain` wrote."""
    from kraken.containers import BaselineLine, BBoxLine, Region, Segmentation

    line_type = BaselineLine if data["type"] == "baselines" else BBoxLine
    lines = [line_type(**line) for line in data.get("lines") or []]
    regions = {
        kind: [Region(**region) for region in found]
        for kind, found in (data.get("regions") or {}).items()
    }
    return Segmentation(**{**data, "lines": lines, "regions": regions})


def _digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


class SegmentationCache:
    """Segmentations on disk under `<root>/segmentations`, shared between processes and
    nodes like the image cache (whole files only, by atomic rename)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root) / FOLDER
        self.hits = 0
        self.misses = 0

    def path_for(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Segmentation | None:
        """The stored segmentation, or None (missing, or corrupt: then removed)."""
        path = self.path_for(key)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            entry = json.loads(raw)
            if entry["key"] != key or entry["sha256"] != _digest(entry["segmentation"]):
                raise ValueError("key or digest does not match")
            return from_plain(entry["segmentation"])
        except (ValueError, KeyError, TypeError) as err:
            log.warning("segmentation cache entry %s is corrupt (%s): redoing it", path, err)
            path.unlink(missing_ok=True)
            return None

    def put(self, key: str, segmentation: Segmentation) -> None:
        payload = to_plain(segmentation)
        entry = {"key": key, "sha256": _digest(payload), "segmentation": payload}
        atomic_write_bytes(self.path_for(key), json.dumps(entry, sort_keys=True).encode())

    def get_or_make(self, key: str, make: Callable[[], Segmentation]) -> Segmentation:
        """The cached segmentation for `key`, else `make()`'s, stored for next time."""
        found = self.get(key)
        if found is not None:
            self.hits += 1
            return found
        self.misses += 1
        made = make()
        try:
            self.put(key, made)
        except OSError as err:  # a full or read-only cache costs the reuse, not the page
            log.warning("cannot store the segmentation in %s: %s", self.root, err)
        return made
