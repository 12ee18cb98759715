"""Which cached page images belong to which manifest of a run.

The cache is keyed by request URL (barnacle.images.cache). A finished manifest's images are
the `image_url` of its records (ocr/<sha1>.jsonl). A manifest not finished may still need
the images of its done pages (its .part records) and of the pages still to do, whose request
URLs its page plan recomputes offline from the cached manifest and info.json files. A torn
line of a record file is logged as a warning naming the file and line (its page's image, not
known from it, is left in the cache).
"""

from __future__ import annotations

import logging
from pathlib import Path

from pydantic import BaseModel

from barnacle.http_client import FetchError
from barnacle.iiif import IIIFError, ImageRequest
from barnacle.images import ImageCache, size_page_request
from barnacle.run_folder import RunFolder, read_record_lines
from barnacle.run_folder.metadata import read_metadata
from barnacle.worker.manifest_source import load_manifest

log = logging.getLogger(__name__)


class RunImages(BaseModel):
    """Cached image files (that exist) of the run's finished and unfinished manifests; an
    image both kinds use is `needed`, never `finished_only`."""

    finished_manifests: int
    unfinished_manifests: int
    finished_only: set[Path]
    needed: set[Path]


def record_image_urls(jsonl: Path) -> set[str]:
    """The image URLs of a JSONL's records (only the head of each line is parsed)."""
    if not jsonl.is_file():
        return set()
    lines = read_record_lines(jsonl, figures_only=True)
    for torn in lines.torn:
        log.warning("%s: its page's image is left in the cache", torn.message())
    return {str(r["image_url"]) for r in lines.dicts() if r.get("image_url")}


def planned_image_urls(manifest_url: str, cache: ImageCache, size: str) -> set[str]:
    """The request URLs of every page the worker would fetch, planned from the cache alone
    (`cache` offline); a page whose info.json is not cached has no image there either."""
    try:
        pages = load_manifest(manifest_url, cache).pages
    except (FetchError, IIIFError, OSError, ValueError):
        return set()  # not cached: none of its images was fetched
    request = ImageRequest(size=size)
    urls: set[str] = set()
    for page in pages:
        try:
            sized = size_page_request(page, request, cache)
        except (FetchError, IIIFError, OSError, ValueError):
            continue
        if sized is not None:
            urls.add(sized.url)
    return urls


def run_images(run_dir: Path, cache_dir: Path, size: str) -> RunImages:
    """The run's cached images, split into those only finished manifests use and the rest.
    The pages still to do are planned at the size the run recorded (`make run` refuses any
    other), else at `size`."""
    size = str(read_metadata(run_dir).get("size") or size)
    cache = ImageCache(cache_dir, offline=True)
    run = RunFolder(run_dir)
    done: set[str] = set()
    kept: set[str] = set()
    finished = 0
    rows = run.read_manifests()
    for row in rows:
        output = run.output(row["sha1"])
        if output.is_file():
            finished += 1
            done |= record_image_urls(output)
        else:
            kept |= record_image_urls(run.part(row["sha1"]))
            kept |= planned_image_urls(row["manifest_url"], cache, size)

    def existing(urls: set[str]) -> set[Path]:
        return {path for url in urls if (path := cache.get(url)) is not None}

    return RunImages(
        finished_manifests=finished,
        unfinished_manifests=len(rows) - finished,
        finished_only=existing(done - kept),
        needed=existing(kept),
    )
