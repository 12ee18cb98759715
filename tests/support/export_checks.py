"""Checks of exported files shared by the export tests: the official XML schemas, ALTO
boxes, and a real consumer of hOCR (a SQLite FTS5 index of its words with page and box)."""

from __future__ import annotations

import re
import sqlite3
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from support.paths import REPO

SCHEMAS = REPO / "tests" / "data" / "schemas"
ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"
PAGE = "{http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15}"


@cache
def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def box_of(element: etree._Element) -> tuple[int, int, int, int]:
    x, y = int(element.get("HPOS")), int(element.get("VPOS"))
    return x, y, x + int(element.get("WIDTH")), y + int(element.get("HEIGHT"))


def inside(inner: tuple[int, ...], outer: tuple[int, ...]) -> bool:
    return (
        outer[0] <= inner[0] <= inner[2] <= outer[2]
        and outer[1] <= inner[1] <= inner[3] <= outer[3]
    )


def hocr_words(path: Path) -> list[dict[str, Any]]:
    """Every ocrx_word of an hOCR file: text, page (ppageno), page id, image, bbox."""
    root = lxml_html.parse(str(path)).getroot()
    words = []
    for page in root.find_class("ocr_page"):
        title = page.get("title")
        ppageno = int(re.search(r"ppageno (\d+)", title).group(1))
        image = re.search(r'image "([^"]+)"', title).group(1)
        for word in page.find_class("ocrx_word"):
            bbox = tuple(
                int(v)
                for v in re.search(r"bbox (\d+) (\d+) (\d+) (\d+)", word.get("title")).groups()
            )
            words.append(
                {
                    "text": word.text_content(),
                    "page": ppageno,
                    "page_id": page.get("id"),
                    "image": image,
                    "bbox": bbox,
                    "title": word.get("title"),
                }
            )
    return words


def index_hocr(path: Path) -> sqlite3.Connection:
    """A real consumer: every hOCR word into SQLite FTS5 with its page and box, as a search
    engine's OCR plugin keeps them (solr-ocrhighlighting reads the same attributes)."""
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE words USING fts5(text, page UNINDEXED, page_id UNINDEXED, "
        "image UNINDEXED, x0 UNINDEXED, y0 UNINDEXED, x1 UNINDEXED, y1 UNINDEXED)"
    )
    db.executemany(
        "INSERT INTO words VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(w["text"], w["page"], w["page_id"], w["image"], *w["bbox"]) for w in hocr_words(path)],
    )
    return db
