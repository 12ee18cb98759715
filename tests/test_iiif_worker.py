"""The worker on real-world IIIF shapes, served by the strict Image API server: a book that
mixes images with sound, video, PDF and streams OCRs its images and downloads none of the
rest; a book with bad canvases yields its other pages; a book with no image stops at once;
a request refused by a static level 0 host (404) falls back to the whole image."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from barnacle.images.info import clear_info_memo
from barnacle.records import PageError, PageRecord
from barnacle.run_folder import errors_of, part_of
from barnacle.worker import process_manifest

from support.strict_iiif import StrictServer, strict_server
from support.worker_options import quiet_options


@pytest.fixture(scope="module")
def strict() -> Iterator[StrictServer]:
    clear_info_memo()
    with strict_server() as server:
        yield server
    clear_info_memo()


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_mixed_book_ocrs_its_images_and_downloads_no_av_byte(
    strict: StrictServer, tmp_path: Path
) -> None:
    out = tmp_path / "mixed.jsonl"
    result = process_manifest(strict.manifest_url("mixed-book.json"), out, quiet_options(tmp_path))
    assert result.status == "complete", result.message
    records = [PageRecord.model_validate(line) for line in _lines(out)]
    assert [r.canvas_index for r in records] == [0, 6, 7, 8]
    by_index = {r.canvas_index: r for r in records}
    assert by_index[0].image_url == strict.url("/img/narrow-v3-l1/full/max/0/default.jpg")
    assert by_index[6].image_url == strict.url("/img/narrow-v2-l0/full/full/0/default.jpg")
    # No info.json and no level given: asked as level 2, the static host's 404, then `full`.
    assert by_index[7].image_url == strict.url("/img/narrow-static/full/full/0/default.jpg")
    assert any("HTTP 404" in note for note in by_index[7].notes)
    # A SpecificResource: the selector's region, applied by the server, is in the record.
    region = by_index[8]
    assert region.image_url == strict.url("/img/narrow-v3-l1/0,0,20,500/max/0/default.jpg")
    assert (region.image.width, region.image.height, region.image.region) == (20, 500, "0,0,20,500")
    assert by_index[0].image.region is None
    assert strict.bytes_sent("/files/") == 0 and not strict.paths("/files/")
    assert not errors_of(out).exists()


def test_one_bad_canvas_does_not_reject_the_book(strict: StrictServer, tmp_path: Path) -> None:
    out = tmp_path / "bad.jsonl"
    result = process_manifest(
        strict.manifest_url("bad-canvases.json"), out, quiet_options(tmp_path)
    )
    assert result.status == "page_errors"
    assert (result.pages_done, result.pages_failed) == (4, 2)
    records = [PageRecord.model_validate(line) for line in _lines(part_of(out))]
    assert [r.canvas_index for r in records] == [0, 1, 2, 5]
    assert all(r.image_url.endswith("/full/full/0/native.jpg") for r in records)  # Image API 1.1
    errors = {e.canvas_index: e for e in map(PageError.model_validate, _lines(errors_of(out)))}
    assert sorted(errors) == [3, 4]
    assert errors[3].canvas_id == strict.url("/canvas/3") and errors[3].kind == "not_image"
    assert errors[4].canvas_id == strict.url("/canvas/4") and errors[4].kind == "bad_canvas"
    assert "not an object" in errors[4].message and "canvas/4" in errors[4].message


def test_book_without_images_is_one_manifest_error(strict: StrictServer, tmp_path: Path) -> None:
    out = tmp_path / "av.jsonl"
    before = len(strict.log)
    result = process_manifest(strict.manifest_url("av-only.json"), out, quiet_options(tmp_path))
    assert result.status == "not_started" and "no image canvases" in result.message
    (error,) = map(PageError.model_validate, _lines(errors_of(out)))
    assert error.stage == "manifest" and "Sound" in error.message and "Video" in error.message
    assert [e.path for e in strict.log[before:]] == ["/manifests/av-only.json"]
