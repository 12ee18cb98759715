"""Line boxes in image pixels, and their scaling to canvas coordinates for IIIF."""

from __future__ import annotations

import math

from barnacle.export.problems import Problem
from barnacle.export.records import ManifestRecords
from barnacle.ocr.result import OcrLine

Box = tuple[int, int, int, int]  # x0, y0, x1, y1


def line_box(line: OcrLine) -> Box | None:
    """The line's bounding box: of its boundary polygon, else of its baseline; None without
    either (a record with no geometry for this line)."""
    points = line.boundary or line.baseline
    if not points:
        return None
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    return min(xs), min(ys), max(xs), max(ys)


def geometry_problems(records: ManifestRecords) -> list[Problem]:
    """One problem per page record with lines that have neither boundary nor baseline (they
    are left out of ALTO, PAGE, hOCR and IIIF; their text stays in the plain text)."""
    problems = []
    for item in records.pages:
        missing = [i for i, line in enumerate(item.record.ocr_lines) if line_box(line) is None]
        if missing:
            message = (
                f"page {item.record.canvas_index}: {len(missing)} line(s) without geometry "
                f"(no boundary or baseline; lines {', '.join(str(i) for i in missing[:10])}) "
                "left out of the positioned formats"
            )
            problems.append(Problem.at(records.path, item.line, message))
    return problems


def scale_box(box: Box, image: tuple[int, int], canvas: tuple[int, int]) -> Box:
    """`box` (image pixels of an image `image` = (width, height)) in the coordinates of a
    canvas `canvas` = (width, height): scaled by canvas / image, widened outwards to whole
    units, kept inside the canvas and at least 1 x 1."""
    sx = canvas[0] / image[0]
    sy = canvas[1] / image[1]
    x0 = min(max(math.floor(box[0] * sx), 0), canvas[0] - 1)
    y0 = min(max(math.floor(box[1] * sy), 0), canvas[1] - 1)
    x1 = min(max(math.ceil(box[2] * sx), x0 + 1), canvas[0])
    y1 = min(max(math.ceil(box[3] * sy), y0 + 1), canvas[1])
    return x0, y0, x1, y1


def xywh(box: Box) -> str:
    return f"{box[0]},{box[1]},{box[2] - box[0]},{box[3] - box[1]}"
