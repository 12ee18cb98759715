"""A page record as the page structure `kraken.serialization.serialize` hands its templates
(alto, hocr, pagexml), rendered with kraken's own templates.

Why not call `serialize` itself: it rebuilds every character's polygon section with shapely
(about 1.5 s a page, more than 10% of the page's OCR) and compiles the template again on
every call. Here the same structure is built from the record's cuts in a few milliseconds:
word boxes span the baseline positions of their first and last character and the line's
height (barnacle.export.word_boxes); the environment and templates are loaded once.
Characters (Glyph) are not written.
"""

from __future__ import annotations

import functools
import importlib.metadata
import re
from typing import Any

from jinja2 import Environment, PackageLoader, Template

from barnacle.export.geometry import Box, line_box
from barnacle.export.records import NumberedRecord
from barnacle.export.word_boxes import word_boxes
from barnacle.ocr.result import OcrLine

_ID = re.compile(r'(\s(?:ID|REF|id))="([^"]*)"')


def page_id(sha1: str, canvas_index: int) -> str:
    """An XML id unique to this page in the whole run: manifest SHA1 and canvas index."""
    return f"p{sha1}_{canvas_index:04d}"


@functools.cache
def template(name: str) -> Template:
    """kraken's template `name`, in an environment set up as kraken's serializer sets it."""
    env = Environment(
        loader=PackageLoader("kraken", "templates"),
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=True,
    )
    env.tests["whitespace"] = str.isspace
    env.filters["rescale"] = lambda values, low, high: [(high - low) * x + low for x in values]
    return env.get_template(name)


@functools.cache
def kraken_version() -> str:
    return importlib.metadata.version("kraken")


def _rectangle(box: Box) -> list[list[int]]:
    x0, y0, x1, y1 = box
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def _segments(line: OcrLine, box: Box, word_level: bool, start: int) -> list[dict[str, Any]]:
    """The line's words and the spaces between them, as kraken's serializer splits them
    (on runs of whitespace), each with a box (no polygon: it would be the same rectangle);
    line level: the whole line, one segment."""
    if not word_level:
        confidence = [line.confidence] if line.confidence is not None else [0.0]
        whole = {"bbox": list(box), "confidences": confidence, "cuts": [], "text": line.text}
        return [whole | {"recognition": [], "index": start}]
    confidences = line.confidences or []
    return [
        {
            "bbox": list(word.box),
            "confidences": confidences[word.start : word.end],
            "cuts": [],
            "text": word.text,
            "recognition": [],
            "index": start + n,
        }
        for n, word in enumerate(word_boxes(line, box))
    ]


def page_structure(item: NumberedRecord, page: str, *, spaces: bool = True) -> dict[str, Any]:
    """The `page` that kraken's templates render: one text block around all lines, each line
    with its words (spaces too when `spaces`). Lines without text or geometry are left out."""
    record = item.record
    word_level = item.word_level
    lines = []
    boxes = []
    index = 0
    for number, line in enumerate(record.ocr_lines):
        box = line_box(line)
        if box is None or not line.text.strip():
            continue
        box = (box[0], box[1], max(box[2], box[0] + 1), max(box[3], box[1] + 1))
        boxes.append(box)
        segments = _segments(line, box, word_level, index)
        index += len(segments)
        if not spaces:
            segments = [s for s in segments if not s["text"].isspace()]
        entry: dict[str, Any] = {
            "id": f"{page}_l{number}",
            "bbox": list(box),
            "cuts": [],
            "confidences": list(line.confidences or []) or [line.confidence or 0.0],
            "recognition": segments,
            "boundary": [list(p) for p in line.boundary] or _rectangle(box),
            "language": None,
            "base_dir": None,
            "type": "line",
            "baseline": [list(p) for p in line.baseline] or [[box[0], box[3]], [box[2], box[3]]],
        }
        lines.append(entry)
    entities: list[dict[str, Any]] = []
    if lines:
        block = (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
        entities.append(
            {
                "id": f"{page}_b0",
                "bbox": list(block),
                "boundary": _rectangle(block),
                "tags": None,
                "lines": lines,
                "language": None,
                "type": "region",
                "region_type": "text",
            }
        )
    return {
        "entities": entities,
        "size": (record.image.width, record.image.height),
        "name": record.image_url,
        "writing_mode": "horizontal-tb",
        "scripts": None,
        "date": record.created_at,
        "seg_type": "baselines",
        "typology": [],
        "line_orders": [],
    }


def render(item: NumberedRecord, page: str, name: str, *, spaces: bool = True) -> str:
    """kraken's template `name` (alto, hocr, pagexml) for the page, with the recognition as
    its processing step and every id made unique to the page (the templates number words
    `segment_N` from 0 on every page)."""
    record = item.record
    step = {
        "id": "recognition",
        "category": "processing",
        "description": "Baseline segmentation and text recognition (kraken, via Barnacle)",
        "settings": {"model": record.model.ref, "model_sha256": record.model.sha256},
    }
    metadata = {"processing_steps": [step], "version": kraken_version()}
    text = template(name).render(page=page_structure(item, page, spaces=spaces), metadata=metadata)

    def unique(match: re.Match[str]) -> str:
        value = match.group(2)
        if value.startswith(page):
            return match.group(0)
        return f'{match.group(1)}="{page}_{value}"'

    return _ID.sub(unique, text)
