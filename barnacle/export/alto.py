"""ALTO 4 of one page, from our ALTO template (templates/alto.xml.j2), with what indexers
need: a Page ID unique in the run with PHYSICAL_IMG_NR, coordinates on every element, the
image named by its IIIF URL (`sourceImageInformation/fileName`)."""

from __future__ import annotations

from barnacle.export.kraken_page import page_id, render
from barnacle.export.records import NumberedRecord


def alto_page(item: NumberedRecord, sha1: str) -> bytes:
    """The ALTO file of one page record, in the downloaded image's pixels."""
    page = page_id(sha1, item.record.canvas_index)
    return render(item, page, "alto.xml.j2").encode("utf-8")
