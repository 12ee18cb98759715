"""Runs to export in tests: IIIF manifests (v2 and v3) of synthetic books cached as the worker
caches them, the finished JSONL of their pages, and `barnacle export` as a command."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from barnacle.export.synthetic import synthetic_record
from barnacle.images.cache import ImageCache
from barnacle.records import PageRecord
from barnacle.worker.manifest_source import MANIFEST_SUFFIX

from support.paths import REPO

HOST = "http://127.0.0.1:9"

IMAGE = (1600, 2400)  # what the server gave (maxWidth 1600)

CANVAS = (3200, 4800)  # the canvas: twice as large

ALL = ["alto", "hocr", "page", "text", "iiif"]


def sha1(url: str) -> str:
    return hashlib.sha1(url.encode()).hexdigest()


def v3_manifest(name: str, pages: int, size: tuple[int, int] | None = CANVAS) -> dict[str, Any]:
    canvases = []
    for i in range(pages):
        canvas: dict[str, Any] = {
            "id": f"{HOST}/{name}/canvas/{i}",
            "type": "Canvas",
            "label": {"en": [f"p. {i + 1}"]},
        }
        if size:
            canvas["width"], canvas["height"] = size
        canvas["items"] = [
            {
                "id": f"{HOST}/{name}/page/{i}",
                "type": "AnnotationPage",
                "items": [
                    {
                        "id": f"{HOST}/{name}/anno/{i}",
                        "type": "Annotation",
                        "motivation": "painting",
                        "body": {
                            "id": f"{HOST}/iiif/{name}-{i}/full/max/0/default.jpg",
                            "type": "Image",
                            "format": "image/jpeg",
                            "width": CANVAS[0],
                            "height": CANVAS[1],
                            "service": [
                                {
                                    "id": f"{HOST}/iiif/{name}-{i}",
                                    "type": "ImageService3",
                                    "profile": "level1",
                                }
                            ],
                        },
                        "target": canvas["id"],
                    }
                ],
            }
        ]
        canvases.append(canvas)
    return {
        "@context": "http://iiif.io/api/presentation/3/context.json",
        "id": f"{HOST}/{name}/manifest.json",
        "type": "Manifest",
        "label": {"en": [f"Book {name}"]},
        "metadata": [{"label": {"en": ["Author"]}, "value": {"none": ["Anon."]}}],
        "rights": "http://creativecommons.org/licenses/by/4.0/",
        "requiredStatement": {"label": {"en": ["Attribution"]}, "value": {"en": ["A library"]}},
        "items": canvases,
    }


def v2_manifest(name: str, pages: int) -> dict[str, Any]:
    canvases = []
    for i in range(pages):
        canvas_id = f"{HOST}/{name}/canvas/{i}"
        canvases.append(
            {
                "@id": canvas_id,
                "@type": "sc:Canvas",
                "label": f"p. {i + 1}",
                "width": CANVAS[0],
                "height": CANVAS[1],
                "images": [
                    {
                        "@id": f"{HOST}/{name}/anno/{i}",
                        "@type": "oa:Annotation",
                        "motivation": "sc:painting",
                        "on": canvas_id,
                        "resource": {
                            "@id": f"{HOST}/iiif/{name}-{i}/full/full/0/default.jpg",
                            "@type": "dctypes:Image",
                            "format": "image/jpeg",
                            "width": CANVAS[0],
                            "height": CANVAS[1],
                            "service": {
                                "@context": "http://iiif.io/api/image/2/context.json",
                                "@id": f"{HOST}/iiif/{name}-{i}",
                                "profile": "http://iiif.io/api/image/2/level2.json",
                            },
                        },
                    }
                ],
            }
        )
    return {
        "@context": "http://iiif.io/api/presentation/2/context.json",
        "@id": f"{HOST}/{name}/manifest.json",
        "@type": "sc:Manifest",
        "label": [{"@value": "Livre", "@language": "fr"}, {"@value": "Book", "@language": "en"}],
        "metadata": [{"label": "Author", "value": "Anon."}, {"label": "Date", "value": "1563"}],
        "description": "A sample book",
        "attribution": "Provided by a library",
        "license": "https://creativecommons.org/publicdomain/mark/1.0/",
        "logo": f"{HOST}/logo.png",
        "sequences": [{"@type": "sc:Sequence", "canvases": canvases}],
    }


def add_manifest(
    run: Path,
    cache_dir: Path,
    source: dict[str, Any],
    pages: int,
    *,
    cuts: bool = True,
    lines: int = 30,
    metadata: dict[str, str] | None = None,
) -> Path:
    """Cache `source` as the worker does and write the finished JSONL of its pages."""
    url = source.get("id") or source["@id"]
    path = ImageCache(cache_dir).path_for(url, MANIFEST_SUFFIX)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(source))
    records = []
    for i in range(pages):
        record = synthetic_record(
            url, f"{url.rsplit('/', 1)[0]}/canvas/{i}", i, lines=lines, image=IMAGE, cuts=cuts
        )
        record.metadata = metadata or {}
        records.append(record)
    out = run / "ocr" / f"{sha1(url)}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(r.model_dump_json() + "\n" for r in records))
    return out


def cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "barnacle", "export", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or REPO,
        timeout=120,
    )


def records_of(jsonl: Path) -> list[PageRecord]:
    return [PageRecord.model_validate_json(line) for line in jsonl.read_text().splitlines()]
