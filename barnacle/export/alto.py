"""ALTO 4 of one page, with kraken's ALTO template, and what indexers need on top: a Page ID
unique in the run (kraken writes `page_0` on every page) with PHYSICAL_IMG_NR, coordinates on
every element, the image named by its IIIF URL (`sourceImageInformation/fileName`)."""

from __future__ import annotations

from barnacle.export.kraken_page import page_id, render
from barnacle.export.records import NumberedRecord


def alto_page(item: NumberedRecord, sha1: str) -> bytes:
    """The ALTO file of one page record, in the downloaded image's pixels."""
    record = item.record
    page = page_id(sha1, record.canvas_index)
    text = render(item, page, "alto")
    kraken_page = f'PHYSICAL_IMG_NR="0" ID="{page}_page_0"'
    ours = f'PHYSICAL_IMG_NR="{record.canvas_index + 1}" ID="{page}"'
    if kraken_page not in text:
        raise ValueError("kraken's ALTO template no longer writes Page as expected")
    return text.replace(kraken_page, ours, 1).encode("utf-8")
