"""Tiny IIIF books for fault tests and the soak benchmark.

Kraken's segmenter scales every page to 1800 px high, so a page's cost follows its width
once scaled: a narrow strip (60 x 900 px, a few letters) is segmented in about a second, a
book page in 13 s or more. The books are written as a data folder of the sample server
(`books.json` and `pages/`), so `barnacle.sample.serve.serve_sample(folder)` serves them
with a real Image API (sizes, info.json, 400/403 for upscaling) and Presentation 2.1 or 3.0.

Stdlib, Pillow, pydantic and barnacle only: importable from bench/ as `tests.support`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from pydantic import BaseModel

STRIP_SIZE = (60, 900)
FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
)
LETTERS = "abcdefghijklmnopqrstuvwxyz"


class TinyBook(BaseModel):
    id: str
    presentation: int
    image_api: int
    pages: list[str]  # image identifiers, e.g. "b3-p1"

    def manifest_path(self) -> str:
        return f"/manifests/{self.id}.json"

    def image_prefix(self, page: int) -> str:
        """The path of a page's Image API service (1-based page number)."""
        return f"/iiif/{self.image_api}/{self.pages[page - 1]}/"


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONTS:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def strip_page(number: int) -> Image.Image:
    """A narrow page with two short words on it, different for each number."""
    image = Image.new("L", STRIP_SIZE, 255)
    draw = ImageDraw.Draw(image)
    font = _font(26)
    first = LETTERS[number % 26].upper() + LETTERS[(number * 7) % 26]
    second = LETTERS[(number * 3) % 26] + LETTERS[(number * 11) % 26]
    draw.text((6, 40), first, font=font, fill=0)
    draw.text((6, 120), second, font=font, fill=0)
    return image


def write_books(
    folder: Path,
    pages: Sequence[int],
    versions: Sequence[tuple[int, int]] = ((3, 3),),
    prefix: str = "b",
) -> list[TinyBook]:
    """A sample-server data folder with one book per entry of `pages` (its page count);
    book i gets (Presentation, Image API) versions[i % len(versions)]."""
    (folder / "pages").mkdir(parents=True, exist_ok=True)
    books: list[TinyBook] = []
    number = 0
    for index, count in enumerate(pages):
        presentation, image_api = versions[index % len(versions)]
        book = TinyBook(
            id=f"{prefix}{index + 1}",
            presentation=presentation,
            image_api=image_api,
            pages=[f"{prefix}{index + 1}-p{page}" for page in range(1, count + 1)],
        )
        for page_id in book.pages:
            number += 1
            strip_page(number).save(folder / "pages" / f"{page_id}.jpg", "JPEG", quality=90)
        books.append(book)
    doc = {
        "label": "tiny books",
        "books": [
            {
                "id": book.id,
                "label": f"Tiny book {book.id}",
                "presentation": book.presentation,
                "image_api": book.image_api,
                "pages": [
                    {"id": page_id, "image": f"{page_id}.jpg", "label": f"p. {n}"}
                    for n, page_id in enumerate(book.pages, start=1)
                ],
            }
            for book in books
        ],
    }
    (folder / "books.json").write_text(json.dumps(doc, indent=1))
    return books
