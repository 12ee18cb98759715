"""Synthetic runs for the view tests: manifests.tsv and page records written directly (no OCR),
with known words on known pages, and a `make view` server on 127.0.0.1 in a thread."""

from __future__ import annotations

import json
import os
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from barnacle.atomic import atomic_write_text
from barnacle.hashing import manifest_sha1
from barnacle.images import ImageCache
from barnacle.listing.manifest_table import ManifestTable, write_table
from barnacle.view.server import ViewServer, open_view
from barnacle.worker.manifest_source import MANIFEST_SUFFIX

from support.threaded_http import serve_in_thread

IMAGE_W, IMAGE_H = 1000, 1500  # the downloaded image; canvases are twice as large
CANVAS_W, CANVAS_H = 2000, 3000


def manifest_url(number: int) -> str:
    return f"http://iiif.invalid/m{number}/manifest"


def canvas_id(number: int, page: int) -> str:
    return f"http://iiif.invalid/m{number}/canvas/{page}"


def line(text: str, row: int, confidence: float | None = 0.9, words: bool = False) -> dict:
    """A line at row `row`: x 100..(100 + 10 per character), y 50 + 40 * row, 30 high."""
    top = 50 + 40 * row
    out: dict[str, Any] = {
        "text": text,
        "baseline": [[100, top + 25], [100 + 10 * len(text), top + 25]],
        "boundary": [
            [100, top],
            [100 + 10 * len(text), top],
            [100 + 10 * len(text), top + 30],
            [100, top + 30],
        ],
        "confidence": confidence,
    }
    if words:  # kraken's per-character positions along the baseline, 10 px each
        out["cuts"] = [[10 * i, 10 * i + 10] for i in range(len(text))]
        out["confidences"] = [confidence or 0.0] * len(text)
    return out


def record(number: int, page: int, lines: list[dict], when: datetime) -> dict:
    url = manifest_url(number)
    text = "\n".join(item["text"] for item in lines)
    return {
        "created_at": when.isoformat(),
        "page_key": f"{url}|{page}",
        "canvas_index": page,
        "engine": "kraken",
        "model": {"ref": "barnacle-demo", "resolved": "/m", "sha256": "a" * 64},
        "manifest_url": url,
        "canvas_id": canvas_id(number, page),
        "image_url": f"http://iiif.invalid/m{number}/img/{page}/full/!1000,1500/0/default.jpg",
        "elapsed_ms": 1500.0 + page,
        "canvas_label": f"p. {page + 1}",
        "metadata": {},
        "engine_version": "7.1.1",
        "barnacle_version": "0.1.0",
        "host": f"node{number % 2}",
        "image": {"sha256": "d" * 64, "width": IMAGE_W, "height": IMAGE_H},
        "lines": len(lines),
        "chars": len(text.replace("\n", "")),
        "timings_ms": {"fetch": 1.0, "decode": 1.0, "segment": 1.0, "recognise": 1.0},
        "text": text,
        "ocr_lines": lines,
    }


def write_records(path: Path, records: list[dict]) -> None:
    atomic_write_text(path, "".join(json.dumps(r) + "\n" for r in records))


def rewrite_records(path: Path, records: list[dict]) -> None:
    """Replace the records of `path`, its mtime set a second past both the old one and now:
    what compares mtimes (the search index, exports made on demand) sees the change even when
    the size is the same and the clock has not moved on, without a test sleeping for it."""
    later = max(path.stat().st_mtime_ns, time.time_ns()) + 1_000_000_000
    write_records(path, records)
    os.utime(path, ns=(later, later))


def write_derived_manifest(run_dir: Path, number: int, pages: int, base: str) -> None:
    """A minimal derived manifest (what `make export` writes) giving the canvas sizes."""
    sha1 = manifest_sha1(manifest_url(number))
    manifest = {
        "@context": "http://iiif.io/api/presentation/3/context.json",
        "id": f"{base}{sha1}/manifest.json",
        "type": "Manifest",
        "label": {"none": [f"book {number}"]},
        "service": [{"id": f"{base}{sha1}/search", "type": "SearchService2"}],
        "items": [
            {
                "id": canvas_id(number, page),
                "type": "Canvas",
                "width": CANVAS_W,
                "height": CANVAS_H,
                "items": [],
            }
            for page in range(pages)
        ],
    }
    path = run_dir / "iiif" / sha1 / "manifest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(manifest))


def write_source_manifest(cache_dir: Path, number: int, pages: int, images: str) -> str:
    """The source manifest of book `number` as the worker caches it (v3, canvases twice the
    downloaded image's size, image services at `images`/iiif/<number>-<page>); its URL."""
    url = manifest_url(number)
    canvases = [
        {
            "id": canvas_id(number, page),
            "type": "Canvas",
            "label": {"en": [f"p. {page + 1}"]},
            "width": CANVAS_W,
            "height": CANVAS_H,
            "items": [
                {
                    "id": f"{canvas_id(number, page)}/page",
                    "type": "AnnotationPage",
                    "items": [
                        {
                            "id": f"{canvas_id(number, page)}/image",
                            "type": "Annotation",
                            "motivation": "painting",
                            "target": canvas_id(number, page),
                            "body": {
                                "id": f"{images}/iiif/{number}-{page}/full/max/0/default.png",
                                "type": "Image",
                                "format": "image/png",
                                "width": CANVAS_W,
                                "height": CANVAS_H,
                                "service": [
                                    {
                                        "id": f"{images}/iiif/{number}-{page}",
                                        "type": "ImageService3",
                                        "profile": "level2",
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
        for page in range(pages)
    ]
    source = {
        "@context": "http://iiif.io/api/presentation/3/context.json",
        "id": url,
        "type": "Manifest",
        "label": {"en": [f"Book {number}"]},
        "items": canvases,
    }
    path = ImageCache(cache_dir).path_for(url, MANIFEST_SUFFIX)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(source))
    return url


def _first_book(start: datetime) -> list[dict[str, Any]]:
    """Manifest 0's records: "zanzibar" on page 1 line 4, page 2 without lines, page 3 weak."""
    book0 = [
        record(0, 0, [line(f"plain line {i} of the first page", i) for i in range(6)], start),
        record(
            0,
            1,
            [line(f"second page line {i}", i) for i in range(4)]
            + [line("the ship sailed to zanzibar at dawn", 4)]
            + [line('O\'Brien said "quoted" (NEAR) * text:foo -x', 5)],
            start,
        ),
        record(0, 2, [], start + timedelta(seconds=5)),
        record(0, 3, [line("blurred weak line", 0, 0.2)], start + timedelta(seconds=7)),
    ]
    book0[2]["chars"] = 0
    return book0


def make_view_run(run_dir: Path) -> dict[str, Any]:
    """Four manifests: 0 and 1 complete (1 with word boxes), 2 partial with a page error,
    3 not started. Known words: "zanzibar" on manifest 0 page 1 line 4; "common" on every
    line of manifest 1; a page with no lines (manifest 0 page 2); one weak page (0.2)."""
    urls = [manifest_url(n) for n in range(4)]
    rows = [
        {
            "index": str(i + 1),
            "manifest_url": url,
            "sha1": manifest_sha1(url),
            "output": str(run_dir / "ocr" / f"{manifest_sha1(url)}.jsonl"),
            "label": f"Book {i}",
        }
        for i, url in enumerate(urls)
    ]
    run_dir.mkdir(parents=True)
    write_table(
        ManifestTable(["index", "manifest_url", "sha1", "output", "label"], rows),
        run_dir / "manifests.tsv",
    )
    (run_dir / "ocr").mkdir()
    start = datetime(2026, 1, 20, 10, tzinfo=UTC)
    book0 = _first_book(start)
    write_records(run_dir / "ocr" / f"{rows[0]['sha1']}.jsonl", book0)
    book1 = [
        record(
            1,
            page,
            [line(f"common word row {i}", i, 0.8, words=True) for i in range(30)],
            start + timedelta(seconds=10 + page),
        )
        for page in range(3)
    ]
    write_records(run_dir / "ocr" / f"{rows[1]['sha1']}.jsonl", book1)
    book2 = [record(2, 0, [line("partial book page", 0)], start + timedelta(seconds=20))]
    write_records(run_dir / "ocr" / f"{rows[2]['sha1']}.jsonl.part", book2)
    error = {
        "created_at": start.isoformat(),
        "page_key": f"{urls[2]}|1",
        "canvas_index": 1,
        "manifest_url": urls[2],
        "canvas_id": canvas_id(2, 1),
        "image_url": None,
        "stage": "fetch",
        "kind": "http_404",
        "status": 404,
        "message": "image gone (404)",
        "host": "node0",
    }
    write_records(run_dir / "ocr" / f"{rows[2]['sha1']}.jsonl.errors.jsonl", [error])
    return {"rows": rows, "sha1": [row["sha1"] for row in rows]}


@contextmanager
def view_server(run_dir: Path, cache_dir: Path | None = None, **options: Any) -> Iterator[str]:
    """`make view` on 127.0.0.1 (a free port) in a thread; yields its base URL. `options`:
    more of open_view's (public=, token=)."""
    server: ViewServer = open_view(
        run_dir, "127.0.0.1", 0, refresh_s=0, cache_dir=cache_dir, **options
    )
    try:
        with serve_in_thread(server) as base:
            yield base
    finally:
        server.view.index.close()


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def get_json(url: str) -> Any:
    status, body = get(url)
    assert status == 200, (url, status, body[:500])
    return json.loads(body)
