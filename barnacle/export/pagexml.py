"""PAGE XML 2019 of one page, from our PAGE template (templates/pagexml.xml.j2): ids unique in
the run, the record's date (not the export's, so a re-export gives the same bytes), and no
Word for the spaces between words."""

from __future__ import annotations

from barnacle.export.kraken_page import page_id, render
from barnacle.export.records import NumberedRecord


def pagexml_page(item: NumberedRecord, sha1: str) -> bytes:
    """The PAGE XML file of one page record, in the downloaded image's pixels."""
    page = page_id(sha1, item.record.canvas_index)
    return render(item, page, "pagexml.xml.j2").encode("utf-8")
