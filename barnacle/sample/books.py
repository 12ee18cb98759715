"""The sample collection's description: ``books.json`` in the sample data directory.

``books.json`` lists the books, each with a label, the Presentation API version of
its manifest, the Image API version (1 is 1.1) and compliance level (`image_level`, 2 unless
given; 0 is a static set of files) of its image service, and its pages in order,
each with an image file (in ``pages/`` next to ``books.json``) and a canvas label::

    {
      "label": "Barnacle sample collection",
      "books": [
        {"id": "book1", "label": "...", "presentation": 2, "image_api": 2,
         "pages": [{"id": "book1-p1", "image": "book1-p1.jpg", "label": "p. 1"}]}
      ]
    }
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

BOOKS_FILE = "books.json"
PAGES_DIR = "pages"
IMAGE_SUFFIXES = (".jpg", ".png", ".jpeg", ".tif", ".tiff", ".webp")

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class Page(BaseModel):
    """One page: an image served by the Image API and painted on one canvas."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_ID_PATTERN, description="image identifier in Image API URLs")
    image: str = Field(min_length=1, description="image file name in the pages directory")
    label: str = Field(min_length=1, description="canvas label")

    @property
    def text_file(self) -> str:
        """Name of the page's ground-truth text file (image name with ``.txt``)."""
        return str(Path(self.image).with_suffix(".txt"))


class Book(BaseModel):
    """One book: one manifest."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_ID_PATTERN, description="manifest name: /manifests/<id>.json")
    label: str = Field(min_length=1)
    presentation: Literal[2, 3] = Field(description="Presentation API version of the manifest")
    image_api: Literal[1, 2, 3] = Field(description="Image API version of its image services")
    image_level: Literal[0, 1, 2] = Field(
        default=2,
        description="compliance level of its image services; 0 is a static tile set: "
        "info.json lists sizes and only those files exist",
    )
    pages: list[Page] = Field(min_length=1)


class SampleCollection(BaseModel):
    """All the books, and where their files are."""

    model_config = ConfigDict(extra="forbid")

    label: str = "Barnacle sample collection"
    books: list[Book] = Field(min_length=1)
    _data_dir: Path = PrivateAttr(default=Path("."))

    @model_validator(mode="after")
    def _unique_ids(self) -> SampleCollection:
        book_ids = [book.id for book in self.books]
        if len(set(book_ids)) != len(book_ids):
            raise ValueError(f"book ids must be unique: {book_ids}")
        page_ids = [page.id for book in self.books for page in book.pages]
        if len(set(page_ids)) != len(page_ids):
            raise ValueError(f"page ids must be unique: {page_ids}")
        return self

    @property
    def data_dir(self) -> Path:
        """The directory holding ``books.json`` and ``pages/``."""
        return self._data_dir

    def book(self, book_id: str) -> Book | None:
        return next((book for book in self.books if book.id == book_id), None)

    def page(self, page_id: str) -> tuple[Book, Page] | None:
        """The page with image identifier `page_id`, and its book."""
        for book in self.books:
            for page in book.pages:
                if page.id == page_id:
                    return book, page
        return None

    def image_path(self, page: Page) -> Path:
        """The page's image file; when the named file is missing, a file with the same
        stem and another image suffix (``.jpg``, ``.png`` ...) stands in for it."""
        path = self.data_dir / PAGES_DIR / page.image
        if path.is_file():
            return path
        for suffix in IMAGE_SUFFIXES:
            other = path.with_suffix(suffix)
            if other.is_file():
                return other
        return path

    def text_path(self, page: Page) -> Path:
        return self.data_dir / PAGES_DIR / page.text_file


def load_books(data_dir: str | Path) -> SampleCollection:
    """Read ``<data_dir>/books.json``; images are looked for in ``<data_dir>/pages/``."""
    data_dir = Path(data_dir)
    path = data_dir / BOOKS_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise FileNotFoundError(f"no sample collection description at {path}") from err
    collection = SampleCollection.model_validate(raw)
    collection._data_dir = data_dir
    return collection


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) of the image at `path`, cached while the file is unchanged."""
    stat = path.stat()
    return _image_size(str(path), stat.st_mtime_ns, stat.st_size)


@cache
def _image_size(path: str, mtime_ns: int, size: int) -> tuple[int, int]:
    from PIL import Image

    with Image.open(path) as image:
        width, height = image.size
    return width, height
