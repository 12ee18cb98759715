"""A sample collection to serve in tests: the repository's books.json with synthetic pages of
known sizes (one wider than MAX_SIZE, to exercise the limits), and reading what the sample
server answers."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests
from PIL import Image

from barnacle.sample import load_books

from support.paths import REPO

BOOKS = (1, 2, 3, 4, 5)
SAMPLE_BOOKS = REPO / "data" / "sample" / "books.json"
MAX_SIZE = 1000
SIZES = {
    "book1-p1": (600, 900),
    "book1-p2": (640, 960),
    "book1-p3": (1200, 800),
    "book2-p1": (600, 900),
    "book2-p2": (1200, 800),
    "book2-p3": (500, 700),
    "book3-p1": (600, 900),
    "book3-p2": (400, 600),
    "book4-p1": (700, 1000),
    "book5-p1": (1100, 1600),  # a static (level 0) image: no size limits
}


def make_sample_dir(root: Path) -> Path:
    """books.json from the repository plus synthetic PNG pages in `root`."""
    shutil.copy(SAMPLE_BOOKS, root / "books.json")
    pages = root / "pages"
    pages.mkdir()
    for book in load_books(root).books:
        for page in book.pages:
            w, h = SIZES[page.id]
            image = Image.new("L", (w, h), 230)
            image.paste(40, (w // 4, h // 4, w // 2, h // 2))
            image.save(pages / page.image)
    return root


def get(url: str, **kwargs: Any) -> requests.Response:
    return requests.get(url, timeout=10, **kwargs)


def get_json(url: str) -> Any:
    response = get(url)
    assert response.status_code == 200, (url, response.status_code, response.text)
    assert response.headers["Content-Type"].startswith(("application/ld+json", "application/json"))
    return response.json()


def decode(response: requests.Response) -> Image.Image:
    assert response.status_code == 200, response.text
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return image


def image_services(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "service":
                yield from value if isinstance(value, list) else [value]
            else:
                yield from image_services(value)
    elif isinstance(node, list):
        for item in node:
            yield from image_services(item)


def v3_bodies(data: dict[str, Any]) -> list[dict[str, Any]]:
    bodies = []
    for canvas in data["items"]:
        assert canvas["type"] == "Canvas"
        page = canvas["items"][0]
        assert page["type"] == "AnnotationPage"
        annotation = page["items"][0]
        assert annotation["type"] == "Annotation"
        assert annotation["motivation"] == "painting"
        assert annotation["target"] == canvas["id"]
        body = annotation["body"]
        assert (canvas["width"], canvas["height"]) == (body["width"], body["height"])
        bodies.append(body)
    return bodies
