"""Books whose pages Kraken reads in a fraction of a second, on the scripted server.

Kraken's segmenter scales every page to 1800 px high, so a page's cost follows its width once
scaled: a blank strip of 8 x 400 px is segmented in a fraction of a second (and has no
text), where a book page takes 13 s or more. For tests that need many worker runs: crash
loops, hostile inputs, a full disk. `padding` gives a page the bytes of a real scan (an
incompressible PNG text chunk that decoders skip), so downloads and writes take time and
space.
"""

from __future__ import annotations

import io
import random
from functools import cache

from PIL import Image
from PIL.PngImagePlugin import PngInfo

from support import iiif_docs as docs
from support.scripted_server import Response, ScriptedServer

PAGE_WIDTH, PAGE_HEIGHT = 8, 400


@cache
def page_png(number: int, padding: int = 0) -> bytes:
    """A blank strip with a mark of its own, plus `padding` bytes that do not compress."""
    image = Image.new("L", (PAGE_WIDTH, PAGE_HEIGHT), 255)
    image.putpixel((number % PAGE_WIDTH, number % PAGE_HEIGHT), 0)
    info = PngInfo()
    if padding:
        info.add_text("padding", random.Random(number).randbytes(padding // 2).hex())
    buffer = io.BytesIO()
    image.save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def image_path(page: str) -> str:
    """The path a default request (!3000,3000) asks for: the page is smaller, so the whole
    image, `max` in Image API 3."""
    return f"/iiif/{page}/full/max/0/default.jpg"


def page_names(name: str, pages: int) -> list[str]:
    return [f"{name}-p{number}" for number in range(1, pages + 1)]


def serve_fast_book(
    server: ScriptedServer,
    name: str,
    pages: int,
    *,
    padding: int = 0,
    trickle: float = 0.0,
    canvas_ids: list[str] | None = None,
    canvas_labels: list[str] | None = None,
    manifest_label: str | None = None,
) -> str:
    """A v3 manifest at /<name>.json whose pages have Image API services (info.json) and
    fast blank images; returns the manifest URL. `trickle`: seconds each image takes to
    arrive. `canvas_ids`/`canvas_labels` replace the canvases' own (hostile input)."""
    canvases = []
    for number, page in enumerate(page_names(name, pages), start=1):
        canvas = docs.v3_canvas(page)
        body = canvas["items"][0]["items"][0]["body"]
        body["service"] = [{"id": f"{{base}}/iiif/{page}", "type": "ImageService3"}]
        canvas["width"], canvas["height"] = PAGE_WIDTH, PAGE_HEIGHT
        if canvas_ids:
            canvas["id"] = canvas_ids[number - 1]
        if canvas_labels:
            canvas["label"] = {"none": [canvas_labels[number - 1]]}
        canvases.append(canvas)
        info = {
            "id": f"{{base}}/iiif/{page}",
            "type": "ImageService3",
            "width": PAGE_WIDTH,
            "height": PAGE_HEIGHT,
            "profile": "level1",
        }
        server.route(f"/iiif/{page}/info.json", info)
        image = Response(
            200, page_png(number, padding), {"Content-Type": "image/png"}, trickle=trickle
        )
        server.route(image_path(page), image)
    manifest = docs.v3_manifest(name, canvases)
    if manifest_label is not None:
        manifest["label"] = {"en": [manifest_label]}
    server.route(f"/{name}.json", manifest)
    return server.url(f"/{name}.json")
