"""Segmentations reused across recognition models: a second engine with another recognition
model reads a page from the cached segmentation (same lines, no segmentation run), the key
follows image, segmentation model and settings, and a corrupt entry is redone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from barnacle.hashing import file_sha256
from barnacle.ocr import KrakenEngine
from barnacle.ocr.segmentation_cache import SegmentationCache, segmentation_key

from support.model_copies import DEMO, demo_copy_with_other_sha
from support.tiny_books import strip_page


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("page") / "strip.png"
    strip_page(3).save(path)
    return path, file_sha256(path)


def test_key_follows_what_changes_a_segmentation() -> None:
    base = segmentation_key("i" * 64, "m" * 64, {"text_direction": "horizontal-lr"})
    assert base == segmentation_key("i" * 64, "m" * 64, {"text_direction": "horizontal-lr"})
    assert base != segmentation_key("j" * 64, "m" * 64, {"text_direction": "horizontal-lr"})
    assert base != segmentation_key("i" * 64, "n" * 64, {"text_direction": "horizontal-lr"})
    assert base != segmentation_key("i" * 64, "m" * 64, {"text_direction": "horizontal-rl"})


@pytest.mark.slow
def test_a_second_recognition_model_reuses_the_segmentation(
    page: tuple[Path, str], tmp_path: Path
) -> None:
    from PIL import Image

    path, sha = page
    cache = SegmentationCache(tmp_path / "cache")
    first = KrakenEngine(DEMO, segmentation_cache=cache)
    with Image.open(path) as image:
        read_first = first.ocr(image, sha)
    assert (cache.hits, cache.misses) == (0, 1)
    [entry] = list((tmp_path / "cache" / "segmentations").rglob("*.json"))

    second_cache = SegmentationCache(tmp_path / "cache")
    second = KrakenEngine(demo_copy_with_other_sha(tmp_path), segmentation_cache=second_cache)
    assert second.model.sha256 != first.model.sha256
    with Image.open(path) as image:
        read_second = second.ocr(image, sha)
    assert (second_cache.hits, second_cache.misses) == (1, 0)
    assert read_second.lines and read_second.lines == read_first.lines
    assert read_second.timings_ms.segment < read_first.timings_ms.segment / 5

    # corrupt entries (bit flip that still parses; truncation) are removed and redone
    stored = json.loads(entry.read_text())
    stored["segmentation"]["lines"][0]["baseline"][0][0] += 1
    entry.write_text(json.dumps(stored))
    with Image.open(path) as image:
        assert second.ocr(image, sha).lines == read_first.lines
    assert second_cache.misses == 1 and json.loads(entry.read_text())["sha256"]
    entry.write_bytes(entry.read_bytes()[:40])
    assert second_cache.get(entry.stem) is None and not entry.exists()


@pytest.mark.slow
def test_a_rerun_with_another_model_in_page_processes(tmp_path: Path) -> None:
    """The second run (other model, new output, two page processes) segments nothing."""
    from barnacle.sample.serve import serve_sample
    from barnacle.worker import WorkerOptions, process_manifest

    from support.tiny_books import write_books

    write_books(tmp_path / "data", [2])
    other = demo_copy_with_other_sha(tmp_path)
    runs = {}
    with serve_sample(tmp_path / "data") as base:
        url = f"{base}/manifests/b1.json"
        for name, model, workers in (("first", DEMO, 1), ("second", other, 2)):
            options = WorkerOptions(
                model=str(model),
                cache_dir=tmp_path / "cache",
                page_processes=workers,
                progress=False,
            )
            out = tmp_path / name / "m.jsonl"
            assert process_manifest(url, out, options).status == "complete"
            runs[name] = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(list((tmp_path / "cache" / "segmentations").rglob("*.json"))) == 2
    first, second = runs["first"], runs["second"]
    assert [r["text"] for r in second] == [r["text"] for r in first] and first[0]["text"]
    assert second[0]["model"]["sha256"] != first[0]["model"]["sha256"]
    for a, b in zip(first, second, strict=True):
        assert b["timings_ms"]["segment"] < a["timings_ms"]["segment"] / 5
