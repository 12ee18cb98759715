"""Write one file of every kind Barnacle writes into a folder, as a user's run would, so a test
can run this under a given umask (`umask 002; python write_every_output.py DIR`) and check
the modes: records (.jsonl, .part, .errors.jsonl, .stats), collection.json, manifests.tsv,
outputs.mk, metadata.json, summary.json, failed-manifests.txt, progress.png, search.sqlite, the
ALTO, PAGE, hOCR, text and IIIF exports, image-cache and segmentation-cache entries, a model
folder."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from barnacle.atomic import temp_folder_beside
from barnacle.cli import main as barnacle
from barnacle.export.synthetic import synthetic_record
from barnacle.images.cache import ImageCache
from barnacle.listing.manifest_table import manifest_sha1
from barnacle.ocr.segmentation_cache import SegmentationCache
from barnacle.run.make_targets import main as make_targets
from barnacle.view.search_index import SearchIndex
from barnacle.worker.manifest_source import MANIFEST_SUFFIX
from barnacle.worker.output_files import RecordWriter, repair_and_read_keys

BASE = "http://127.0.0.1:9"
DONE = f"{BASE}/done/manifest.json"  # finished: records, exports
FAILED = f"{BASE}/failed/manifest.json"  # one page error: .part, .errors.jsonl


def manifest(url: str) -> dict[str, object]:
    """A one-canvas Presentation 3 manifest at `url`."""
    name = url.split("/")[3]
    canvas = f"{BASE}/{name}/canvas/0"
    service = {"id": f"{BASE}/iiif/{name}", "type": "ImageService3", "profile": "level1"}
    body = {"id": f"{BASE}/iiif/{name}/full/max/0/default.jpg", "type": "Image"}
    painting = {"id": f"{BASE}/{name}/anno/0", "type": "Annotation", "motivation": "painting"}
    page = {"id": f"{BASE}/{name}/page/0", "type": "AnnotationPage"}
    return {
        "@context": "http://iiif.io/api/presentation/3/context.json",
        "id": url,
        "type": "Manifest",
        "label": {"en": [name]},
        "items": [
            {
                "id": canvas,
                "type": "Canvas",
                "width": 1600,
                "height": 2400,
                "items": [
                    page
                    | {
                        "items": [
                            painting | {"body": body | {"service": [service]}, "target": canvas}
                        ]
                    }
                ],
            }
        ],
    }


def records(run: Path, cache: Path) -> None:
    """A finished JSONL (its .part repaired once on the way), and a manifest with an error."""
    for url in (DONE, FAILED):
        ImageCache(cache).put_bytes(
            url, json.dumps(manifest(url)).encode(), lambda _: None, MANIFEST_SUFFIX
        )
        writer = RecordWriter(run / "ocr" / f"{manifest_sha1(url)}.jsonl")
        if url == FAILED:
            writer.write_error(synthetic_record(url, f"{BASE}/failed/canvas/0", 0, lines=2))
            writer.close()
            continue
        writer.write(synthetic_record(url, f"{BASE}/done/canvas/0", 0, lines=2))
        with writer.part.open("ab") as torn:  # a crash's torn line: the file is rewritten
            torn.write(b'{"page_key": ')
        repair_and_read_keys(writer.part)
        writer.finish()


def caches(cache: Path) -> None:
    from kraken.containers import Segmentation

    ImageCache(cache).put_bytes(f"{BASE}/image.jpg", b"jpeg", lambda _: None)
    empty = Segmentation(
        type="baselines",
        imagename="page.png",
        text_direction="horizontal-lr",
        script_detection=False,
        lines=[],
    )
    SegmentationCache(cache).put("k" * 64, empty)
    (cache / "models").mkdir()
    model = temp_folder_beside(cache / "models" / "record")  # a model fetched by DOI
    (model / "weights.safetensors").write_bytes(b"weights")


def main(folder: Path) -> None:
    run, cache = folder / "runs" / "r", folder / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    listing = folder / "list.txt"
    listing.write_text(f"{DONE}\n{FAILED}\n")
    steps = [
        ["fetch-collection", str(listing), str(run / "collection.json"), "--no-progress"],
        ["list-manifests", str(run / "collection.json")],
    ]
    for step in steps:
        assert barnacle(step) == 0, step
    assert make_targets(["outputs", str(run)]) == 0
    records(run, cache)
    jsonl = run / "ocr" / f"{manifest_sha1(DONE)}.jsonl"
    formats = "alto,page,hocr,text,iiif"
    assert barnacle(["export", formats, str(jsonl), "--cache-dir", str(cache)]) == 0
    assert barnacle(["summary", str(run)]) == 0
    index = SearchIndex(run / "search.sqlite")  # make view's full-text index
    index.refresh(run, strict=False)
    index.close()
    caches(cache)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
