"""Export of real Kraken output: one OCR run of the sample collection (book 1, Presentation
2.1, two pages, served at most 1400 px so each canvas is larger than its image) feeds every
test here. Real OCR is slow (about 15 s a page): the run is shared and the tests are slow."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from iiif_prezi3 import Manifest as PreziManifest
from lxml import etree

from barnacle.export import export_run
from barnacle.export.geometry import line_box, scale_box
from barnacle.export.records import read_manifest_records
from barnacle.listing.manifest_table import manifest_sha1
from barnacle.records import PageRecord
from barnacle.sample.serve import serve_sample
from barnacle.worker import WorkerOptions, process_manifest

from support.export_checks import ALTO, PAGE, box_of, index_hocr, inside, schema
from support.paths import REPO

MAX_SIZE = 1400
ALL = ["alto", "hocr", "page", "text", "iiif"]


@pytest.fixture(scope="session")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """runs/sample with book 1's first two pages OCRed by the worker, exported in every
    format (the source manifest is in the worker's cache)."""
    root = tmp_path_factory.mktemp("export-real")
    run = root / "runs" / "sample"
    with serve_sample(REPO / "data" / "sample", max_size=MAX_SIZE) as base:
        url = f"{base}/manifests/book1.json"
        out = run / "ocr" / f"{manifest_sha1(url)}.jsonl"
        options = WorkerOptions(
            cache_dir=root / "cache", page_processes=1, max_pages=2, progress=False
        )
        result = process_manifest(url, out, options)
        assert result.status == "complete", result.message
    report = export_run(run, ALL, cache_dir=root / "cache")
    assert report.ok and report.notes == [], [str(p) for p in report.problems]
    yield run


def _records(run: Path) -> list[PageRecord]:
    (jsonl,) = (run / "ocr").glob("*.jsonl")
    return [PageRecord.model_validate_json(line) for line in jsonl.read_text().splitlines()]


@pytest.mark.slow
def test_records_keep_kraken_character_cuts_and_confidences(real_run: Path) -> None:
    records = _records(real_run)
    assert len(records) == 2
    for record in records:
        lines = [line for line in record.ocr_lines if line.text]
        assert len(lines) >= 10
        for line in lines:
            assert len(line.cuts) == len(line.text) == len(line.confidences)
            assert all(0 <= start <= end for start, end in line.cuts)
            starts = [start for start, _ in line.cuts]
            assert starts == sorted(starts)
            assert all(0 <= c <= 1 for c in line.confidences)


@pytest.mark.slow
def test_word_boxes_agree_with_kraken_serializer(real_run: Path) -> None:
    """Our word boxes (from the cuts, without shapely) against kraken's own serialize() of
    the same record rebuilt as a BaselineOCRRecord: the same words, within a few pixels."""
    from kraken.containers import BaselineLine, BaselineOCRRecord, Segmentation
    from kraken.serialization import serialize

    record = _records(real_run)[0]
    lines = [line for line in record.ocr_lines if line.text.strip()]
    kraken_lines = [
        BaselineOCRRecord(
            line.text,
            [list(c) for c in line.cuts],
            line.confidences,
            BaselineLine(
                id=f"l{n}",
                baseline=[list(p) for p in line.baseline],
                boundary=[list(p) for p in line.boundary],
            ),
        )
        for n, line in enumerate(lines)
    ]
    segmentation = Segmentation(
        type="baselines",
        imagename=record.image_url,
        text_direction="horizontal-lr",
        script_detection=False,
        lines=kraken_lines,
    )
    theirs = etree.fromstring(
        serialize(segmentation, (record.image.width, record.image.height), template="alto").encode()
    )
    (alto,) = (real_run / "alto").glob("*/0000.xml")
    ours = etree.parse(str(alto))
    theirs_words = [(s.get("CONTENT"), box_of(s)) for s in theirs.iter(f"{ALTO}String")]
    ours_words = [(s.get("CONTENT"), box_of(s)) for s in ours.iter(f"{ALTO}String")]
    assert [w for w, _ in ours_words] == [w for w, _ in theirs_words]
    for (_, mine), (_, kraken) in zip(ours_words, theirs_words, strict=True):
        assert abs(mine[0] - kraken[0]) <= 4 and abs(mine[2] - kraken[2]) <= 4, (mine, kraken)


@pytest.mark.slow
def test_real_alto_page_and_iiif_are_valid_and_scaled(real_run: Path) -> None:
    records = _records(real_run)
    for path in sorted((real_run / "alto").glob("*/*.xml")):
        schema("alto-4-3.xsd").assertValid(etree.parse(str(path)))
    pages = sorted((real_run / "page").glob("*/*.xml"))
    for path, record in zip(pages, records, strict=True):
        doc = etree.parse(str(path))
        schema("pagecontent.xsd").assertValid(doc)
        assert doc.find(f"{PAGE}Page").get("imageWidth") == str(record.image.width)
    (manifest_path,) = (real_run / "iiif").glob("*/manifest.json")
    manifest = json.loads(manifest_path.read_text())
    PreziManifest(**manifest)
    assert manifest["label"] == {"none": ["Sample book 1 (Presentation 2.1, Image API 2.1)"]}
    for record, canvas in zip(records, manifest["items"], strict=False):
        size = (canvas["width"], canvas["height"])
        image = (record.image.width, record.image.height)
        assert size[0] > image[0] and size[1] > image[1]  # the server gave less than the canvas
        page = json.loads(
            (manifest_path.parent / "annotations" / f"{record.canvas_index:04d}.json").read_text()
        )
        expected = [
            scale_box(line_box(line), image, size) for line in record.ocr_lines if line.text.strip()
        ]
        got = []
        for annotation in page["items"]:
            x, y, w, h = (int(v) for v in annotation["target"].split("#xywh=")[1].split(","))
            assert inside((x, y, x + w, y + h), (0, 0, *size))
            got.append((x, y, x + w, y + h))
        assert got == expected and len(got) >= 10


@pytest.mark.slow
def test_real_hocr_in_a_full_text_index_finds_the_word_on_its_page(real_run: Path) -> None:
    (jsonl,) = (real_run / "ocr").glob("*.jsonl")
    records = read_manifest_records(jsonl).pages
    first_page_words = {
        w.lower() for line in records[0].record.ocr_lines for w in line.text.split()
    }
    second = records[1].record
    line, word = next(
        (line, word)
        for line in second.ocr_lines
        for word in line.text.split()
        if word.isalpha()
        and len(word) >= 5
        and word.lower() not in first_page_words
        and sum(w == word for ln in second.ocr_lines for w in ln.text.split()) == 1
    )
    db = index_hocr(real_run / "hocr" / f"{jsonl.stem}.html")
    hits = db.execute(
        "SELECT page, image, x0, y0, x1, y1 FROM words WHERE words MATCH ?", (f'"{word}"',)
    ).fetchall()
    assert len(hits) == 1, (word, hits)
    page, image, *box = hits[0]
    assert page == 1 and image == second.image_url
    alto = etree.parse(str(real_run / "alto" / jsonl.stem / "0001.xml"))
    string = next(s for s in alto.iter(f"{ALTO}String") if s.get("CONTENT") == word)
    assert tuple(box) == box_of(string) and inside(tuple(box), line_box(line))
