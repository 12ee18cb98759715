"""What the viewer draws, checked on screenshot pixels: a one-book run whose page has dark bars
at known places and one OCR line exactly on each bar, and a reader of Mirador's line boxes
(its default annotation stroke, #00BFFF) in a screenshot, with what lies inside and just
outside each box."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from PIL import Image, ImageDraw

from barnacle.hashing import manifest_sha1
from barnacle.listing.manifest_table import ManifestTable, write_table

from support.threaded_http import local_server, serve_in_thread
from support.view_runs import (
    CANVAS_H,
    CANVAS_W,
    IMAGE_H,
    IMAGE_W,
    manifest_url,
    record,
    write_records,
)

# Bars in the downloaded image's pixels (x0, y0, x1, y1): 60 high, 190 apart, so a box drawn
# a bar's height (or less) off its bar lies mostly on the light gap below or above it.
BARS = [(150, 200 + 250 * row, 850, 260 + 250 * row) for row in range(5)]
PAPER, INK = "#f4ecd8", "#333333"


def bar_line(row: int) -> dict:
    """The OCR line of bar `row`: its boundary is the bar."""
    x0, y0, x1, y1 = BARS[row]
    return {
        "text": f"bar line {row}",
        "baseline": [[x0, y1 - 10], [x1, y1 - 10]],
        "boundary": [[x0, y0], [x1, y0], [x1, y1], [x0, y1]],
        "confidence": 0.9,
    }


def bars_image(width: int, height: int) -> bytes:
    """The page as PNG at `width` x `height` (the canvas size, or the downloaded size)."""
    image = Image.new("RGB", (width, height), PAPER)
    draw = ImageDraw.Draw(image)
    sx, sy = width / IMAGE_W, height / IMAGE_H
    for x0, y0, x1, y1 in BARS:
        draw.rectangle([x0 * sx, y0 * sy, x1 * sx - 1, y1 * sy - 1], fill=INK)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def framed_page(url: str, width: int, height: int) -> str:
    """A page showing `url` in a frame of `width` x `height` at its top left."""
    return (
        "<!DOCTYPE html><html><head><style>body{margin:0}iframe{border:0;display:block}"
        f"</style></head><body><iframe src='{url}' width={width} height={height}></iframe>"
        "</body></html>"
    )


@contextmanager
def frame_server(url: str, width: int = 1400, height: int = 780) -> Iterator[str]:
    """framed_page(url) served on 127.0.0.1; yields its URL.

    Why a frame: headless Chromium lays a page out at less than its --window-size (813 of
    900 high) and grows it to the full window only for the screenshot, with no frame of the
    page's scripts run in between. OpenSeadragon's image and Mirador's overlay canvas are
    then caught at different layouts, the boxes drawn half the height difference (43 px)
    below their lines: what issue 20 reported. A frame of fixed size, shorter than both,
    keeps the viewer out of that resize, so the screenshot shows what a browser window
    shows. (Served, not a file: a frame in a file:// page gets no storage and Mirador does
    not start.)"""
    body = framed_page(url, width, height).encode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html;charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serve_in_thread(local_server(Handler)) as base:
        yield f"{base}/"


def make_bars_run(run_dir: Path) -> dict:
    """A run of one finished book (number 0) with one page: a line on each bar. Its record."""
    url = manifest_url(0)
    sha1 = manifest_sha1(url)
    row = {
        "index": "1",
        "manifest_url": url,
        "sha1": sha1,
        "output": str(run_dir / "ocr" / f"{sha1}.jsonl"),
        "label": "Book 0",
    }
    (run_dir / "ocr").mkdir(parents=True)
    write_table(ManifestTable(list(row), [row]), run_dir / "manifests.tsv")
    page = record(0, 0, [bar_line(i) for i in range(len(BARS))], datetime(2026, 1, 20, tzinfo=UTC))
    write_records(run_dir / "ocr" / f"{sha1}.jsonl", [page])
    return page


def canvas_png() -> bytes:
    return bars_image(CANVAS_W, CANVAS_H)


def downloaded_png() -> bytes:
    return bars_image(IMAGE_W, IMAGE_H)


@dataclass
class Box:
    """A drawn line box on screen: its stroke's rows and columns, and how dark it is
    inside (share of dark pixels) and just outside, above and below (the gaps)."""

    top: int
    bottom: int
    left: int
    right: int
    inside_dark: float = 0.0
    outside_dark: float = 0.0


def _stroke(pixel: tuple[int, int, int]) -> bool:
    """Mirador's box strokes, alone or blended half with the paper: #00BFFF (default),
    #BF00FF (hovered), #FFFF00 (selected); not its interface blue (#1967D2)."""
    r, g, b = pixel
    cyan = b > 200 and g > 150 and b - r > 60
    magenta = b > 200 and r > 140 and r - g > 60
    yellow = r > 200 and g > 200 and g - b > 60
    return cyan or magenta or yellow


def _tinted(pixel: tuple[int, int, int]) -> bool:
    return max(pixel) - min(pixel) > 60


def _dark(pixel: tuple[int, int, int]) -> bool:
    return sum(pixel) < 3 * 110


def _bands(rows: list[int]) -> list[tuple[int, int]]:
    bands: list[tuple[int, int]] = []
    for row in rows:
        if bands and row <= bands[-1][1] + 1:
            bands[-1] = (bands[-1][0], row)
        else:
            bands.append((row, row))
    return bands


def _darkness(image: Image.Image, left: int, right: int, rows: Iterable[int]) -> float:
    """The share of dark pixels in `rows` (those on the image) between `left` and `right`."""
    height = image.size[1]
    pixels = [
        image.getpixel((x, y)) for y in rows if 0 <= y < height for x in range(left, right + 1, 2)
    ]
    return sum(_dark(p) for p in pixels) / max(1, len(pixels))


def drawn_boxes(screenshot: Path, min_width: int = 60) -> list[Box]:
    """The line boxes in a screenshot, top to bottom, with the darkness inside and 3-5
    pixels outside each. The boxes' left and right columns are those of the first long
    horizontal stroke run; a box is a run of rows with a stroke at both of them."""
    image = Image.open(screenshot).convert("RGB")
    width, height = image.size
    runs = ([x for x in range(width) if _stroke(image.getpixel((x, y)))] for y in range(height))
    first = next((xs for xs in runs if len(xs) >= min_width), None)
    if first is None:
        return []
    left, right = min(first), max(first)

    def edge(x: int, y: int) -> bool:  # a stroke, maybe blended with a dark bar
        return any(_tinted(image.getpixel((x + dx, y))) for dx in range(-2, 3))

    rows = [y for y in range(height) if edge(left, y) and edge(right, y)]
    boxes = []
    for top, bottom in _bands(rows):
        if bottom - top < 6:  # a coloured rule of Mirador's window, not a box
            continue
        box = Box(top=top, bottom=bottom, left=left, right=right)
        inner = (left + 4, right - 4)
        box.inside_dark = _darkness(image, *inner, range(top + 3, bottom - 2))
        box.outside_dark = _darkness(
            image, *inner, [*range(top - 5, top - 2), *range(bottom + 3, bottom + 6)]
        )
        boxes.append(box)
    return boxes


def describe(boxes: list[Box]) -> str:
    return json.dumps([vars(box) for box in boxes])


def assert_boxes_on_bars(screenshot: Path) -> None:
    """One drawn box per bar, dark inside (on its bar) and light just outside (the gaps)."""
    boxes = drawn_boxes(screenshot)
    assert len(boxes) == len(BARS), f"{len(boxes)} boxes drawn: {describe(boxes)}"
    for box in boxes:
        assert box.inside_dark > 0.9, f"a box is off its bar: {describe(boxes)}"
        assert box.outside_dark < 0.1, f"a box is inside its bar: {describe(boxes)}"
