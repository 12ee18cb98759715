"""Page records that reach every branch of the ALTO, PAGE and hOCR templates: words with
markup characters, runs of spaces and tabs, leading and trailing spaces, non-ASCII text, blank
lines, lines with a baseline only, records written before character cuts (line level), a page
without lines and a manifest without pages. Their exports as Barnacle wrote them before the
templates became ours (kraken's templates edited afterwards) are kept in
tests/data/reference/export/: the templates must go on writing those bytes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from barnacle.export.alto import alto_page
from barnacle.export.hocr import hocr_document
from barnacle.export.pagexml import pagexml_page
from barnacle.export.records import ManifestRecords, NumberedRecord
from barnacle.export.synthetic import synthetic_line, synthetic_record
from barnacle.groundtruth.pages_xml import groundtruth_page
from barnacle.ocr.result import OcrLine
from barnacle.records.page_record import PageRecord

REFERENCE = Path(__file__).parent.parent / "data" / "reference" / "export"
MANIFEST = 'https://example.org/m&x"<y>.json'
TEXTS = ["  lead & trail <x> \"q\" 'a'  ", "mehr   Leerzeichen\tTab", "Ünïcödé ſ ꝛ — ‘’", "", "   "]


def _record(index: int, **kwargs: object) -> PageRecord:
    return synthetic_record(MANIFEST, f"https://example.org/c{index}", index, **kwargs)  # type: ignore[arg-type]


def _tricky(index: int, word_level: bool) -> PageRecord:
    """Lines of awkward text; word_level=False adds lines without cuts (the whole page then
    exports at line level) and one without any geometry."""
    record = _record(index, lines=0, image_url="https://e.org/i\"q&<>'.jpg")
    record.ocr_lines = [synthetic_line(text, 150 + 60 * n) for n, text in enumerate(TEXTS)]
    cuts = [(i * 10, i * 10 + 9) for i in range(13)]
    baseline_only = OcrLine(
        text="baseline only", baseline=[(10, 500), (300, 505)], boundary=[], confidence=0.5,
        cuts=cuts, confidences=[0.9] * 13,
    )  # fmt: skip
    record.ocr_lines.append(baseline_only)
    if not word_level:
        record.ocr_lines += [
            OcrLine(text="no geometry", baseline=[], boundary=[], confidence=0.5),
            OcrLine(
                text="no cuts", baseline=[(10, 600), (300, 605)],
                boundary=[(10, 560), (300, 560), (300, 610), (10, 610)], confidence=None,
            ),
        ]  # fmt: skip
    return record


def manifests() -> dict[str, list[PageRecord]]:
    """Name -> the page records of one manifest."""
    return {
        "words": [_tricky(6, word_level=True), _record(7, lines=2)],
        "lines": [_tricky(4, word_level=False), _record(2, lines=2, cuts=False)],
        "empty": [_record(3, lines=0)],
        "none": [],
    }


def exports() -> dict[str, Callable[[], bytes]]:
    """File name -> a function writing that file from the cases, as the export does."""
    files: dict[str, Callable[[], bytes]] = {}
    for name, records in manifests().items():
        sha1 = hashlib.sha1(name.encode()).hexdigest()
        items = [NumberedRecord(line=n + 1, record=r) for n, r in enumerate(records)]
        for item in items:
            stem = f"{name}-{item.record.canvas_index}"
            files[f"{stem}.alto.xml"] = lambda i=item, s=sha1: alto_page(i, s)
            files[f"{stem}.page.xml"] = lambda i=item, s=sha1: pagexml_page(i, s)
            files[f"{stem}.gt.xml"] = lambda i=item, s=sha1: groundtruth_page(i, s, "0001.jpg")
        manifest = ManifestRecords(path=Path(f"{sha1}.jsonl"), pages=items, problems=[], notes=[])
        files[f"{name}.hocr"] = lambda m=manifest: hocr_document(m)
    return files


def write_reference() -> None:
    """Write the reference files (run once on the code whose bytes are the reference)."""
    REFERENCE.mkdir(parents=True, exist_ok=True)
    for name, write in exports().items():
        (REFERENCE / name).write_bytes(write())
