"""What the engine returns for one page: text in reading order, lines with geometry, timings."""

from __future__ import annotations

from pydantic import BaseModel

Point = tuple[int, int]


class OcrLine(BaseModel):
    """One recognised line, in the pixel coordinates of the image given to the engine."""

    text: str
    baseline: list[Point]
    boundary: list[Point]  # polygon around the line; empty when the segmenter gave none
    confidence: float | None  # mean of the per-character confidences; None for an empty line


class OcrTimings(BaseModel):
    segment: float  # milliseconds
    recognise: float  # milliseconds


class PageOcr(BaseModel):
    """Kraken's reading of one page image."""

    text: str  # the lines' text, in reading order, joined by "\n"
    lines: list[OcrLine]
    width: int
    height: int
    timings_ms: OcrTimings
