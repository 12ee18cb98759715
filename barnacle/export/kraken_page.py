"""A page record as the page structure kraken's serializer hands its templates, rendered with
Barnacle's own templates (barnacle/export/templates/: ALTO 4, PAGE 2019, hOCR) in a Jinja
environment set up as kraken's serializer sets its own.

The templates were made from kraken 7's and write what indexers need directly (ids unique in
the run, the page's number and image, word confidences): nothing is edited after rendering.
Why not call `kraken.serialization.serialize` itself: it rebuilds every character's polygon
section with shapely (about 1.5 s a page, more than 10% of the page's OCR), stamps the page
with the time of the export (a re-export would not give the same bytes) and measures words
from kraken's character polygons, not the record's cuts. Here the same structure is built
from the record's cuts in a few milliseconds: word boxes span the baseline positions of their
first and last character and the line's height (barnacle.export.word_boxes); the environment
and templates are loaded once. Characters (Glyph) are not written.
"""

from __future__ import annotations

import functools
import importlib.metadata
from typing import Any

from jinja2 import Environment, PackageLoader, Template

from barnacle.export.geometry import Box, line_box
from barnacle.export.records import NumberedRecord
from barnacle.export.word_boxes import word_boxes
from barnacle.ocr.result import OcrLine


def page_id(sha1: str, canvas_index: int) -> str:
    """An XML id unique to this page in the whole run: manifest SHA1 and canvas index."""
    return f"p{sha1}_{canvas_index:04d}"


@functools.cache
def _environment() -> Environment:
    """The Jinja environment of our templates, set up as kraken's serializer sets its own
    (blocks trimmed, XML escaped, a `whitespace` test)."""
    env = Environment(
        loader=PackageLoader("barnacle.export", "templates"),
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=True,
        auto_reload=False,  # package files: compiled once, never looked at again
    )
    env.tests["whitespace"] = str.isspace
    return env


def template(name: str) -> Template:
    """Our template `name`: alto.xml.j2, pagexml.xml.j2 or hocr.html.j2 (compiled once)."""
    return _environment().get_template(name)


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


def _line(line: OcrLine, line_id: str, box: Box, segments: list[dict[str, Any]]) -> dict[str, Any]:
    """One line as the templates take it: box, confidences, words, boundary (else its box)
    and baseline (else the box's bottom edge)."""
    return {
        "id": line_id,
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


def _text_block(block_id: str, lines: list[dict[str, Any]], boxes: list[Box]) -> dict[str, Any]:
    """The one text region around all `lines` (of boxes `boxes`)."""
    block = (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
    return {
        "id": block_id,
        "bbox": list(block),
        "boundary": _rectangle(block),
        "tags": None,
        "lines": lines,
        "language": None,
        "type": "region",
        "region_type": "text",
    }


def page_structure(item: NumberedRecord, page: str, *, spaces: bool = True) -> dict[str, Any]:
    """The `page` the templates render, with id `page`: one text block around all lines, each
    line with its words (spaces too when `spaces`). Lines without text or geometry are left
    out."""
    record = item.record
    lines = []
    boxes = []
    index = 0
    for number, line in enumerate(record.ocr_lines):
        box = line_box(line)
        if box is None or not line.text.strip():
            continue
        box = (box[0], box[1], max(box[2], box[0] + 1), max(box[3], box[1] + 1))
        boxes.append(box)
        segments = _segments(line, box, item.word_level, index)
        index += len(segments)
        if not spaces:
            segments = [s for s in segments if not s["text"].isspace()]
        lines.append(_line(line, f"{page}_l{number}", box, segments))
    return {
        "id": page,
        "canvas_index": record.canvas_index,
        "entities": [_text_block(f"{page}_b0", lines, boxes)] if lines else [],
        "size": (record.image.width, record.image.height),
        "name": record.image_url,
        "writing_mode": "horizontal-tb",
        "scripts": None,
        "date": record.created_at,
        "seg_type": "baselines",
        "typology": [],
        "line_orders": [],
    }


def processing_metadata(item: NumberedRecord) -> dict[str, Any]:
    """The `metadata` the templates render: the recognition as the one processing step (its
    model) and kraken's version."""
    record = item.record
    step = {
        "id": "recognition",
        "category": "processing",
        "description": "Baseline segmentation and text recognition (kraken, via Barnacle)",
        "settings": {"model": record.model.ref, "model_sha256": record.model.sha256},
    }
    return {"processing_steps": [step], "version": kraken_version()}


def render(item: NumberedRecord, page: str, name: str) -> str:
    """Our template `name` (alto.xml.j2, pagexml.xml.j2) for the page record, with id `page`."""
    structure = page_structure(item, page)
    return template(name).render(page=structure, metadata=processing_metadata(item))
