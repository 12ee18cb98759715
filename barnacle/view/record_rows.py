"""What the search index stores of one finished JSONL: its pages and lines as rows (a line's
box in the downloaded image's pixels, its words' boxes when the record has them), read in
worker processes when many manifests are indexed at once (the first build). Lines are read by
the one reader of record files (barnacle.run_folder.record_lines): in a finished JSONL every
torn line is reported, here as TornRecord."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from barnacle.encodable import replace_unencodable
from barnacle.export.word_boxes import word_boxes as line_word_boxes
from barnacle.ocr.result import OcrLine
from barnacle.run_folder.record_lines import parse_line, raw_lines

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class TornRecord(ValueError):
    """A finished JSONL line that is not a whole page record."""


def _box(points: list[list[int]]) -> tuple[int, int, int, int] | None:
    if not points:
        return None
    xs = [int(point[0]) for point in points]
    ys = [int(point[1]) for point in points]
    left, top = min(xs), min(ys)
    return left, top, max(xs) - left, max(ys) - top


def line_box(line: dict[str, Any]) -> tuple[int, int, int, int]:
    """The bounding box of a line: its boundary polygon, else its baseline."""
    return _box(line.get("boundary") or []) or _box(line.get("baseline") or []) or (0, 0, 0, 0)


def word_boxes(line: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The line's words with boxes [x, y, w, h] where the record has per-character `cuts`
    (computed as the ALTO/hOCR export computes its word boxes), else None (line level)."""
    cuts, text = line.get("cuts"), str(line.get("text", ""))
    box = line_box(line)
    if not cuts or len(cuts) != len(text) or not box[2] or not box[3]:
        return None
    x, y, w, h = box
    model = OcrLine.model_construct(**{**line, "baseline": line.get("baseline") or []})
    words = line_word_boxes(model, (x, y, x + w, y + h))
    return [
        {"text": word.text, "box": [x0, y0, x1 - x0, y1 - y0]}
        for word in words
        if word.text.strip()
        for x0, y0, x1, y1 in [word.box]
    ] or None


def _records(path: Path) -> Iterator[dict[str, Any]]:
    for line in raw_lines(path):
        record = parse_line(line.data) if line.ended else None
        try:
            if record is None:
                raise ValueError
            if _SURROGATE_ESCAPE.search(line.data):  # a lone one cannot go into SQLite
                record = replace_unencodable(record)[0]
            record["canvas_index"] = int(record["canvas_index"])
        except (ValueError, KeyError, TypeError):
            raise TornRecord(
                f"{path}:{line.number}: not a whole page record (a torn or foreign line); "
                "rerun the manifest (delete the file and `make run`) or fix the line"
            ) from None
        yield record


@dataclass
class RecordRows:
    """The rows of one JSONL, ready to insert (made in a worker process for big builds)."""

    size: int
    mtime_ns: int
    pages: list[tuple[Any, ...]]  # canvas_index, canvas_id, label, img_w, img_h, lines, conf
    lines: list[tuple[Any, ...]]  # canvas_index, line_no, x, y, w, h, text, words (JSON)
    mean_conf: float | None
    empty_pages: int


def read_record_rows(path: Path) -> RecordRows:
    """Read a finished JSONL (page records) into search-index rows; TornRecord names the first
    bad line."""
    stat = path.stat()
    pages: list[tuple[Any, ...]] = []
    rows: list[tuple[Any, ...]] = []
    total, count, empty = 0.0, 0, 0
    for record in _records(path):
        lines = record.get("ocr_lines") or []
        page_conf = [float(c) for c in (line.get("confidence") for line in lines) if c is not None]
        total += sum(page_conf)
        count += len(page_conf)
        if not lines or record.get("chars", 1) == 0:
            empty += 1
        image = record.get("image") or {}
        index = record["canvas_index"]
        pages.append(
            (
                index,
                str(record.get("canvas_id", "")),
                str(record.get("canvas_label", "")),
                int(image.get("width", 0)),
                int(image.get("height", 0)),
                len(lines),
                sum(page_conf) / len(page_conf) if page_conf else None,
            )
        )
        for number, line in enumerate(lines):
            text = str(line.get("text", ""))
            if not text.strip():
                continue
            words = word_boxes(line)
            rows.append(
                (
                    index,
                    number,
                    *line_box(line),
                    text,
                    json.dumps(words, separators=(",", ":")) if words else None,
                )
            )
    return RecordRows(
        stat.st_size, stat.st_mtime_ns, pages, rows, total / count if count else None, empty
    )


def _parse_or_error(path: Path) -> RecordRows | TornRecord:
    try:
        return read_record_rows(path)
    except TornRecord as err:
        return err


def parse_all(paths: list[Path]) -> Iterator[RecordRows | TornRecord]:
    """Parsed manifests in order; on every CPU when there are many (the first build)."""
    if len(paths) < 8:
        yield from map(_parse_or_error, paths)
        return
    workers = max(1, len(os.sched_getaffinity(0)))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(_parse_or_error, paths, chunksize=2)
