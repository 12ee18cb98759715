"""hOCR of one manifest: one `ocr_page` per page record, with kraken's hocr template, made
what solr-ocrhighlighting and other indexers read: every `ocr_page` with an id, `image` (its
IIIF URL), `bbox` and `ppageno`; word confidences as `x_wconf`; ids unique in the file."""

from __future__ import annotations

import html
import re

from barnacle.export.kraken_page import kraken_version, page_id, render
from barnacle.export.records import ManifestRecords, NumberedRecord

_PAGE_DIV = re.compile(r'<div class="ocr_page" title="[^"]*" style="[^"]*">')
_BODY = re.compile(r"<body>\n(.*)</body>", re.DOTALL)
_X_CONFS = re.compile(r"x_confs ([^;\"]*)")


def _wconf(match: re.Match[str]) -> str:
    values = [float(v) for v in match.group(1).split()]
    wconf = round(100 * sum(values) / len(values)) if values else 0
    return f"x_wconf {wconf}; x_confs {match.group(1)}"


def _page(item: NumberedRecord, sha1: str) -> str:
    record = item.record
    page = page_id(sha1, record.canvas_index)
    text = render(item, page, "hocr", spaces=False)
    image = html.escape(record.image_url.replace('"', "%22"))
    div = (
        f'<div class="ocr_page" id="{page}" title="image &quot;{image}&quot;; '
        f'bbox 0 0 {record.image.width} {record.image.height}; ppageno {record.canvas_index}">'
    )
    text, count = _PAGE_DIV.subn(lambda _: div, text, count=1)
    body = _BODY.search(text)
    if count != 1 or body is None:
        raise ValueError("kraken's hOCR template no longer writes ocr_page as expected")
    return _X_CONFS.sub(_wconf, body.group(1))


def hocr_document(records: ManifestRecords) -> bytes:
    """The hOCR file of one manifest."""
    title = html.escape(records.manifest_url or records.sha1)
    pages = "".join(_page(item, records.sha1) for item in records.pages)
    document = (
        "<!DOCTYPE html>\n"
        "<html>\n<head>\n"
        f"<title>{title}</title>\n"
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8"/>\n'
        f'<meta name="ocr-system" content="kraken {kraken_version()}"/>\n'
        '<meta name="ocr-capabilities" content="ocr_page ocrx_block ocr_line ocrx_word '
        'ocrp_poly ocrp_wconf"/>\n'
        f'<meta name="ocr-number-of-pages" content="{len(records.pages)}"/>\n'
        f"</head>\n<body>\n{pages}</body>\n</html>\n"
    )
    return document.encode("utf-8")
