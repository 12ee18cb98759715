"""`make prefetch`: every manifest and page image of a run into the shared cache, so OCR can
run with OFFLINE=1 on compute nodes that have no internet."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from tqdm import tqdm

from barnacle.defaults import IMAGE_SIZE
from barnacle.http_client import FetchError
from barnacle.iiif import IIIFError, ImageRequest, PageImage
from barnacle.images import ImageCache, fetch_page_image
from barnacle.run_folder import RunFolder
from barnacle.worker.manifest_source import load_manifest


def _fetch_page(page: PageImage, request: ImageRequest, cache: ImageCache) -> bool:
    """True when the image was downloaded, False when it was cached already. The same
    fetch as the worker's (info.json, then the image or its `max` fallback), so an offline
    run finds what it will ask for."""
    return not fetch_page_image(page, request, cache).image.cache_hit


def prefetch(
    run_dir: Path,
    cache_dir: Path,
    size: str = IMAGE_SIZE,
    max_pages: int | None = None,
    threads: int = 4,
    progress: bool = True,
    only: str | None = None,
) -> tuple[Counter[str], list[str]]:
    """Download what a run needs (`only`: what that one of its manifests needs). Returns
    (counts, problems); never raises for one bad page."""
    cache = ImageCache(cache_dir)
    request = ImageRequest(size=size)
    counts: Counter[str] = Counter()
    problems: list[str] = []
    pages: list[PageImage] = []
    run = RunFolder(run_dir)
    rows = [row for row in run.read_manifests() if only in (None, row["manifest_url"])]
    if only and not rows:
        raise FileNotFoundError(f"{only} is not a manifest of {run.manifests_tsv}")
    for row in tqdm(rows, desc="manifests", disable=not progress):
        try:
            found = load_manifest(row["manifest_url"], cache).pages
        except (FetchError, IIIFError) as err:
            counts["manifests failed"] += 1
            problems.append(str(err))
            continue
        counts["manifests"] += 1
        pages += found[:max_pages] if max_pages else found
    with ThreadPoolExecutor(max_workers=threads) as pool:
        jobs = [pool.submit(_fetch_page, page, request, cache) for page in pages]
        for job in tqdm(as_completed(jobs), total=len(jobs), desc="images", disable=not progress):
            try:
                counts["images downloaded" if job.result() else "images already cached"] += 1
            except (FetchError, IIIFError) as err:
                counts["images failed"] += 1
                problems.append(str(err))
    return counts, problems
