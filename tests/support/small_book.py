"""A small IIIF book on the scripted server: a v3 manifest whose canvases have Image API 3
services with info.json, and small rendered pages (quick to segment).

The pages are portrait: kraken's segmentation scales every page to 1800 px high, so a landscape
700x260 page became about 4,850x1,800 pixels (about 90 s on one thread), while this 560x700
page becomes 1,440x1,800, under a third of the pixels."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from support import iiif_docs as docs
from support.scripted_server import Response, ScriptedServer

WIDTH, HEIGHT = 560, 700
FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
)


@cache
def page_jpeg(number: int) -> bytes:
    font_path = next(path for path in FONTS if Path(path).is_file())
    font = ImageFont.truetype(font_path, 30)
    image = Image.new("L", (WIDTH, HEIGHT), 255)
    draw = ImageDraw.Draw(image)
    draw.text((40, 50), f"Page {number} of the little book", font=font, fill=0)
    draw.text((40, 140), "the quick brown fox jumps over", font=font, fill=0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def image_path(name: str) -> str:
    return f"/iiif/{name}/full/max/0/default.jpg"


def serve_image(server: ScriptedServer, name: str, *responses: Response) -> None:
    """Route the image that a default request (!3000,3000) asks for: the page is smaller,
    so the whole image (`max` in Image API 3)."""
    server.route(image_path(name), *responses)


def good_image(number: int, delay: float = 0.0) -> Response:
    return Response(200, page_jpeg(number), {"Content-Type": "image/jpeg"}, delay=delay)


def serve_book(server: ScriptedServer, name: str, pages: int, delay: float = 0.0) -> str:
    """A v3 manifest at /<name>.json with `pages` good pages; returns the manifest URL."""
    canvases = []
    for number in range(1, pages + 1):
        page = f"{name}-p{number}"
        canvas = docs.v3_canvas(page)
        body = canvas["items"][0]["items"][0]["body"]
        body["service"] = [{"id": f"{{base}}/iiif/{page}", "type": "ImageService3"}]
        canvas["width"], canvas["height"] = WIDTH, HEIGHT
        canvases.append(canvas)
        server.route(
            f"/iiif/{page}/info.json",
            {
                "id": f"{{base}}/iiif/{page}",
                "type": "ImageService3",
                "width": WIDTH,
                "height": HEIGHT,
                "profile": "level1",
            },
        )
        serve_image(server, page, good_image(number, delay))
    server.route(f"/{name}.json", docs.v3_manifest(name, canvases))
    return server.url(f"/{name}.json")
