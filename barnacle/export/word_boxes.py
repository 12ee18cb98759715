"""Word boxes of an OCR line from its per-character cuts: what ALTO, hOCR, PAGE (through
our templates) and the view's word highlights draw.

A word's box spans the baseline positions of its first and last character and the line's
height; the baseline is extended to the line's box first, as kraken extends it to the line
boundary before measuring cuts along it. Words are split on runs of whitespace, as kraken's
serializer splits them.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass

from barnacle.export.geometry import Box
from barnacle.ocr.result import OcrLine

_SPACES = re.compile(r"(\s+)")


@dataclass(frozen=True)
class WordBox:
    """A word (or a run of spaces) of a line: its text, its characters `start:end` in the
    line's text, and its box (x0, y0, x1, y1) in image pixels."""

    text: str
    start: int
    end: int
    box: Box


class _Baseline:
    """The baseline extended to the line's box, and the point at a distance along it."""

    def __init__(self, points: list[tuple[int, int]], box: Box) -> None:
        pts = [(float(x), float(y)) for x, y in points]
        if len(pts) < 2:
            pts = [(box[0], box[3]), (box[2], box[3])]
        (ax, ay), (bx, by) = pts[0], pts[1]
        if bx != ax and box[0] < ax:
            pts[0] = (box[0], ay - (ax - box[0]) * (by - ay) / (bx - ax))
        (ax, ay), (bx, by) = pts[-2], pts[-1]
        if bx != ax and bx < box[2]:
            pts[-1] = (box[2], by + (box[2] - bx) * (by - ay) / (bx - ax))
        self.points = pts
        self.lengths = [0.0]
        for (x0, y0), (x1, y1) in zip(pts, pts[1:], strict=False):
            self.lengths.append(self.lengths[-1] + math.hypot(x1 - x0, y1 - y0))

    def x_at(self, distance: float) -> float:
        lengths, pts = self.lengths, self.points
        distance = min(max(distance, 0.0), lengths[-1])
        i = min(max(bisect.bisect_left(lengths, distance), 1), len(lengths) - 1)
        span = lengths[i] - lengths[i - 1] or 1.0
        t = (distance - lengths[i - 1]) / span
        return pts[i - 1][0] + t * (pts[i][0] - pts[i - 1][0])


def word_boxes(line: OcrLine, box: Box) -> list[WordBox]:
    """The words of `line` and the spaces between them, each with its box inside `box` (the
    line's box). The line needs one cut per character of its text."""
    baseline = _Baseline(line.baseline, box)
    cuts = line.cuts or []
    words = []
    offset = 0
    for part in _SPACES.split(line.text):
        if not part:
            continue
        end = offset + len(part)
        xs = (baseline.x_at(cuts[offset][0]), baseline.x_at(cuts[end - 1][1]))
        x0 = min(max(math.floor(min(xs)), box[0]), box[2] - 1)
        x1 = max(min(math.ceil(max(xs)), box[2]), x0 + 1)
        words.append(WordBox(part, offset, end, (x0, box[1], x1, box[3])))
        offset = end
    return words
