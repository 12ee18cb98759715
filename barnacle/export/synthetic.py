"""Synthetic page records with realistic geometry (sloped baselines, many-point boundaries,
per-character cuts and confidences), for the export tests and benchmark: no OCR needed."""

from __future__ import annotations

from barnacle.ocr.result import OcrLine
from barnacle.records.page_record import ImageFacts, ModelRef, PageRecord, Timings

WORDS = (
    "Lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt "
    "ut labore et dolore magna aliqua Ut enim ad minim veniam quis nostrud exercitation"
).split()


def line_text(page: int, number: int, length: int = 60) -> str:
    """A line of about `length` characters, different on every line of every page."""
    words: list[str] = []
    i = page * 7 + number * 3
    while sum(len(w) + 1 for w in words) < length:
        words.append(WORDS[i % len(WORDS)])
        i += 1
    return " ".join(words)


def synthetic_line(
    text: str, y: int, x0: int = 120, x1: int = 1480, height: int = 48, cuts: bool = True
) -> OcrLine:
    """One line: a slightly sloped baseline at `y` from x0 to x1, a 12-point boundary
    around it, characters evenly spread along it."""
    slope = 2
    baseline = [(x0, y), ((x0 + x1) // 2, y + slope // 2), (x1, y + slope)]
    top = [(x0 + (x1 - x0) * k // 5, y - height + (k % 2)) for k in range(6)]
    bottom = [(x0 + (x1 - x0) * k // 5, y + height // 4 + slope) for k in range(5, -1, -1)]
    boundary = top + bottom + [top[0]]
    step = (x1 - x0) / max(len(text), 1)
    positions = [(round(i * step), round((i + 1) * step) - 1) for i in range(len(text))]
    confidences = [round(0.80 + 0.19 * ((i * 37) % 11) / 10, 4) for i in range(len(text))]
    return OcrLine(
        text=text,
        baseline=baseline,
        boundary=boundary,
        confidence=sum(confidences) / len(confidences) if confidences else None,
        cuts=positions if cuts else None,
        confidences=confidences if cuts else None,
    )


def synthetic_record(
    manifest_url: str,
    canvas_id: str,
    canvas_index: int,
    *,
    lines: int = 30,
    image: tuple[int, int] = (1600, 2400),
    cuts: bool = True,
    image_url: str | None = None,
) -> PageRecord:
    """A page record as the worker writes it, with `lines` lines of geometry on an image of
    `image` = (width, height) pixels. cuts=False: a record written before character cuts."""
    width, height = image
    spacing = max((height - 200) // max(lines, 1), 20)
    x0, x1, line_height = width // 13, width * 12 // 13, min(48, spacing - 4)
    ocr_lines = [
        synthetic_line(line_text(canvas_index, n), 150 + n * spacing, x0, x1, line_height, cuts)
        for n in range(lines)
    ]
    text = "\n".join(line.text for line in ocr_lines)
    return PageRecord(
        created_at="2026-01-01T00:00:00+00:00",
        page_key=f"{manifest_url}|{canvas_id}|0|default",
        canvas_index=canvas_index,
        model=ModelRef(ref="barnacle-demo", resolved="/models/demo.mlmodel", sha256="0" * 64),
        manifest_url=manifest_url,
        canvas_id=canvas_id,
        image_url=image_url or f"{canvas_id}/full/{width},/0/default.jpg",
        elapsed_ms=1000.0,
        engine_version="7.1.1",
        barnacle_version="0",
        host="bench",
        image=ImageFacts(sha256="0" * 64, width=width, height=height),
        lines=len(ocr_lines),
        chars=len(text),
        timings_ms=Timings(),
        text=text,
        ocr_lines=ocr_lines,
    )
