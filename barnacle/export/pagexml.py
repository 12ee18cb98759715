"""PAGE XML 2019 of one page, with kraken's pagexml template: ids unique in the run, the
record's date (not the export's, so a re-export gives the same bytes), and no Word for the
spaces between words (kraken writes them as words)."""

from __future__ import annotations

import re

from barnacle.export.kraken_page import page_id, render
from barnacle.export.records import NumberedRecord

_SPACE_WORD = re.compile(
    r"[ \t]*<Word id=\"[^\"]*\">\s*<Coords points=\"[^\"]*\"/>\s*"
    r"<TextEquiv conf=\"[^\"]*\"><Unicode>\s+</Unicode></TextEquiv>\s*</Word>\n?"
)


def pagexml_page(item: NumberedRecord, sha1: str) -> bytes:
    """The PAGE XML file of one page record, in the downloaded image's pixels."""
    record = item.record
    text = render(item, page_id(sha1, record.canvas_index), "pagexml")
    return _SPACE_WORD.sub("", text).encode("utf-8")
