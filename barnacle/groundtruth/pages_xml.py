"""One chosen page as PAGE XML 2019 for a transcriber: our PAGE template with the
record's text region, lines (polygon and baseline) and each line's OCR text as its TextEquiv
(no words: the transcriber corrects line text only), naming the image file beside it."""

from __future__ import annotations

from barnacle.export.kraken_page import kraken_version, page_id, page_structure, template
from barnacle.export.records import NumberedRecord


def groundtruth_page(item: NumberedRecord, sha1: str, image_name: str) -> bytes:
    """The PAGE XML of the record `item`, its image named `image_name` (relative)."""
    record = item.record
    structure = page_structure(item, page_id(sha1, record.canvas_index), spaces=True)
    structure["name"] = image_name
    texts = {n: line.text for n, line in enumerate(record.ocr_lines)}
    for entity in structure["entities"]:
        for line in entity["lines"]:
            number = int(line["id"].rsplit("_l", 1)[1])
            line["text"] = texts[number]
    metadata = {"processing_steps": [], "version": kraken_version()}
    return template("pagexml.xml.j2").render(page=structure, metadata=metadata).encode("utf-8")
