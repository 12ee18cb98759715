"""Segmentation reuse benchmark: pages/hour of a first run against a second run of the same
pages with another recognition model, which reads the segmentations the first run left in
the shared cache, side by side in one run (target: the second at least 5x the first).

"Another recognition model" is the demo model saved again with one more metadata entry: other
bytes and sha256 (so other page keys and a new output), the same reading. Pages: the bundled
sample collection's book1 (about 1300x1900 px), served on 127.0.0.1; images are fetched into
the cache first, so both runs read them from disk.

    .venv/bin/python bench/bench_segcache.py [--pages 3] [--page-processes 1] [--book book1]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from barnacle.http_client import get_json  # noqa: E402
from barnacle.iiif import ImageRequest, manifest_from_json  # noqa: E402
from barnacle.images import ImageCache, fetch_image, size_page_request  # noqa: E402
from barnacle.sample.serve import serve_sample  # noqa: E402
from barnacle.worker import WorkerOptions, process_manifest  # noqa: E402
from tests.support.model_copies import DEMO, demo_copy_with_other_sha  # noqa: E402

SAMPLE = REPO / "data" / "sample"


def _run(url: str, out: Path, cache: Path, model: Path, args: argparse.Namespace) -> dict:
    options = WorkerOptions(
        model=str(model),
        cache_dir=cache,
        page_processes=args.page_processes,
        max_pages=args.pages,
        progress=False,
    )
    result = process_manifest(url, out, options)
    if result.status != "complete":
        raise SystemExit(f"bench_segcache: run failed: {result.message}")
    records = [json.loads(line) for line in out.read_text().splitlines()]
    return {
        "pages": len(records),
        "seconds": result.elapsed_s,
        "pages_per_hour": len(records) / result.elapsed_s * 3600,
        "segment_ms": statistics.median(r["timings_ms"]["segment"] for r in records),
        "recognise_ms": statistics.median(r["timings_ms"]["recognise"] for r in records),
        "texts": [r["text"] for r in records],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=3, help="pages of the book (default 3)")
    parser.add_argument("--page-processes", type=int, default=1, help="page processes (default 1)")
    parser.add_argument("--book", default="book1", help="sample book (default book1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, serve_sample(SAMPLE) as base:
        root = Path(tmp)
        url = f"{base}/manifests/{args.book}.json"
        cache = root / "cache"
        image_cache = ImageCache(cache)
        for page in manifest_from_json(get_json(url)).pages().pages[: args.pages]:
            sized = size_page_request(page, ImageRequest(), image_cache)
            assert sized is not None
            fetch_image(sized.url, image_cache)
        other = demo_copy_with_other_sha(root)
        first = _run(url, root / "first.jsonl", cache, DEMO, args)
        second = _run(url, root / "second.jsonl", cache, other, args)
    print(f"{first['pages']} pages of {args.book}, {args.page_processes} page process(es)")
    for name, run in (("first run (segments)", first), ("second run, other model", second)):
        print(
            f"  {name}: {run['seconds']:.1f} s, {run['pages_per_hour']:.0f} pages/hour; "
            f"median segment {run['segment_ms']:.0f} ms, recognise {run['recognise_ms']:.0f} ms"
        )
    speedup = second["pages_per_hour"] / first["pages_per_hour"]
    print(f"  second / first: {speedup:.1f}x (target >= 5x)")
    print(f"  same text both runs: {first['texts'] == second['texts']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
