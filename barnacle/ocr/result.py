"""What the engine returns for one page: text in reading order, lines with geometry, timings."""

from __future__ import annotations

from pydantic import BaseModel, Field

Point = tuple[int, int]
Cut = tuple[int, int]


class OcrLine(BaseModel):
    """One recognised line, in the pixel coordinates of the image given to the engine."""

    text: str
    baseline: list[Point]
    boundary: list[Point]  # polygon around the line; empty when the segmenter gave none
    confidence: float | None  # mean of the per-character confidences; None for an empty line
    cuts: list[Cut] | None = Field(
        default=None,
        description=(
            "Where each character of `text` lies along the baseline: kraken's (start, end) "
            "distances in pixels from the baseline's start (extended to the boundary), one pair "
            "per character; word and character boxes (ALTO String, hOCR ocrx_word, PAGE Word) "
            "are computed from these with `baseline` and `boundary`. Absent in records written "
            "before Barnacle kept them: those export at line level"
        ),
    )
    confidences: list[float] | None = Field(
        default=None,
        description="Per-character confidences (0-1, 4 decimals), one per character of `text`",
    )


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


def mean_line_confidence(lines: list[OcrLine]) -> float | None:
    """The mean confidence of a page's lines (a record's `line_confidence`), None without any.
    The low-confidence flag of `make status` and `make summary` (barnacle.models.confidence)
    averages it over a manifest's first pages."""
    values = [line.confidence for line in lines if line.confidence is not None]
    return round(sum(values) / len(values), 4) if values else None
