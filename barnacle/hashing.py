"""Content hashes of files (images, models), read in chunks."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """sha256 of a file, read in chunks (models and scans can be hundreds of MB)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_sha1(url: str) -> str:
    """The name of a manifest's output: the SHA1 of its URL."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()


def is_sha1(text: str) -> bool:
    """`text` is a manifest sha1 (40 lowercase hex digits), as output names and make targets
    are."""
    return len(text) == 40 and all(char in "0123456789abcdef" for char in text)
