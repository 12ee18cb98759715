"""hOCR of one manifest, from our hOCR template (templates/hocr.html.j2): one `ocr_page` per
page record, made what solr-ocrhighlighting and other indexers read: every `ocr_page` with an
id, `image` (its IIIF URL), `bbox` and `ppageno`; word confidences as `x_wconf`; ids unique in
the file."""

from __future__ import annotations

import html
from typing import Any

from markupsafe import Markup

from barnacle.export.kraken_page import kraken_version, page_id, page_structure, template
from barnacle.export.records import ManifestRecords, NumberedRecord


def _page(item: NumberedRecord, sha1: str) -> dict[str, Any]:
    """The page structure of one record without the spaces between words, and its image URL
    as the `image` property of the page's title."""
    record = item.record
    structure = page_structure(item, page_id(sha1, record.canvas_index), spaces=False)
    structure["image"] = Markup(html.escape(record.image_url.replace('"', "%22")))
    return structure


def hocr_document(records: ManifestRecords) -> bytes:
    """The hOCR file of one manifest."""
    document = template("hocr.html.j2").render(
        title=Markup(html.escape(records.manifest_url or records.sha1)),
        version=kraken_version(),
        pages=[_page(item, records.sha1) for item in records.pages],
    )
    return document.encode("utf-8")
