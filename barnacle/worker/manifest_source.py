"""A manifest's pages, fetched once and kept in the cache so `--offline` runs can read it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from barnacle.http_client import FetchError, get_json
from barnacle.iiif import ManifestPages, manifest_from_json
from barnacle.iiif.load import first_canvases
from barnacle.images import ImageCache

MANIFEST_SUFFIX = ".manifest.json"


def _same_size(size: int) -> Callable[[Path], None]:
    """The check of a cached copy: all of it reached the disk (the bytes are from json.dumps,
    so parsing them again, twice the memory of a huge manifest, would prove nothing more)."""

    def verify(path: Path) -> None:
        written = path.stat().st_size
        if written != size:
            raise OSError(f"{path}: {written} bytes written of {size}")

    return verify


def load_manifest(url: str, cache: ImageCache, max_pages: int | None = None) -> ManifestPages:
    """The manifest's pages (only the first `max_pages`, when given): from the network (and
    then into the cache), or offline from the cache; a local file (no `://`, as `validate` and
    `pages` take) is read as it is. Raises FetchError or IIIFError."""
    if "://" not in url:
        from barnacle.validate import load_source

        data = load_source(url, get_json)
    elif cache.offline:
        path = cache.get(url, MANIFEST_SUFFIX)
        if path is None:
            raise FetchError(
                url,
                "manifest not in the cache and running offline: run `make "
                "prefetch` on a node with internet first, or drop OFFLINE",
            )
        data = json.loads(path.read_bytes())
    else:
        data = get_json(url)
    if not cache.offline:  # kept for --offline runs and for export
        copy = json.dumps(data).encode()
        cache.put_bytes(url, copy, _same_size(len(copy)), MANIFEST_SUFFIX)
        del copy
    if max_pages:
        data = first_canvases(data, max_pages)
    return manifest_from_json(data).pages()
