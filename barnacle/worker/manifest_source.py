"""A manifest's pages, fetched once and kept in the cache so `--offline` runs can read it."""

from __future__ import annotations

import json
from pathlib import Path

from barnacle.fetch import FetchError, get_json
from barnacle.iiif import ManifestPages, parse_manifest
from barnacle.images import ImageCache

MANIFEST_SUFFIX = ".manifest.json"


def _verify(path: Path) -> None:
    json.loads(path.read_bytes())


def load_manifest(url: str, cache: ImageCache) -> ManifestPages:
    """The manifest's pages: from the network (and then into the cache), or offline from the
    cache. Raises FetchError or IIIFError with the URL."""
    if cache.offline:
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
        cache.put_bytes(url, json.dumps(data).encode(), _verify, MANIFEST_SUFFIX)
    return parse_manifest(data).pages()
