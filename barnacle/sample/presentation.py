"""IIIF Presentation API documents for the sample collection (2.1 and 3.0).

Every function takes the server's base URL (``http://host:port``, no trailing slash)
and a function giving an image's pixel size, so documents are built per request and
work on any host and port.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from barnacle.sample.books import Book, Page, SampleCollection

PRESENTATION_2_CONTEXT = "http://iiif.io/api/presentation/2/context.json"
PRESENTATION_3_CONTEXT = "http://iiif.io/api/presentation/3/context.json"
IMAGE_2_CONTEXT = "http://iiif.io/api/image/2/context.json"
IMAGE_2_LEVEL2 = "http://iiif.io/api/image/2/level2.json"

JSON = dict[str, Any]
SizeOf = Callable[[Page], tuple[int, int]]


def image_service_id(base: str, api: int, page: Page) -> str:
    """The Image API service id (base URI, without ``/info.json``) of a page's image."""
    return f"{base}/iiif/{api}/{page.id}"


def manifest_url(base: str, book: Book) -> str:
    return f"{base}/manifests/{book.id}.json"


def collection_url(base: str, version: int = 3) -> str:
    return f"{base}/collection.json" if version == 3 else f"{base}/collection-v2.json"


def _lang(text: str) -> dict[str, list[str]]:
    return {"en": [text]}


def _image_url(service: str) -> str:
    # "max" is valid in Image API 2.1 and 3.0 and always within the server's limits.
    return f"{service}/full/max/0/default.jpg"


def _service_v2(service: str, presentation: int) -> JSON:
    if presentation == 2:
        return {"@context": IMAGE_2_CONTEXT, "@id": service, "profile": IMAGE_2_LEVEL2}
    return {"@id": service, "@type": "ImageService2", "profile": IMAGE_2_LEVEL2}


def _service_v3(service: str) -> JSON:
    return {"id": service, "type": "ImageService3", "profile": "level2"}


def _service(book: Book, service: str) -> JSON:
    if book.image_api == 3:
        return _service_v3(service)
    return _service_v2(service, book.presentation)


def manifest(book: Book, base: str, size_of: SizeOf) -> JSON:
    """The book's manifest, in the Presentation API version that `book` asks for."""
    if book.presentation == 2:
        return manifest_v2(book, base, size_of)
    return manifest_v3(book, base, size_of)


def manifest_v2(book: Book, base: str, size_of: SizeOf) -> JSON:
    """A Presentation 2.1 manifest: sequences / canvases / images / resource / service."""
    url = manifest_url(base, book)
    root = url.removesuffix(".json")
    canvases: list[JSON] = []
    for n, page in enumerate(book.pages, start=1):
        width, height = size_of(page)
        canvas_id = f"{root}/canvas/p{n}"
        service = image_service_id(base, book.image_api, page)
        canvases.append(
            {
                "@id": canvas_id,
                "@type": "sc:Canvas",
                "label": page.label,
                "width": width,
                "height": height,
                "images": [
                    {
                        "@id": f"{root}/annotation/p{n}-image",
                        "@type": "oa:Annotation",
                        "motivation": "sc:painting",
                        "on": canvas_id,
                        "resource": {
                            "@id": _image_url(service),
                            "@type": "dctypes:Image",
                            "format": "image/jpeg",
                            "width": width,
                            "height": height,
                            "service": _service(book, service),
                        },
                    }
                ],
            }
        )
    return {
        "@context": PRESENTATION_2_CONTEXT,
        "@id": url,
        "@type": "sc:Manifest",
        "label": book.label,
        "viewingDirection": "left-to-right",
        "sequences": [
            {
                "@id": f"{root}/sequence/normal",
                "@type": "sc:Sequence",
                "label": "Current page order",
                "canvases": canvases,
            }
        ],
    }


def manifest_v3(book: Book, base: str, size_of: SizeOf) -> JSON:
    """A Presentation 3.0 manifest: items / AnnotationPage / Annotation / body / service."""
    url = manifest_url(base, book)
    root = url.removesuffix(".json")
    canvases: list[JSON] = []
    for n, page in enumerate(book.pages, start=1):
        width, height = size_of(page)
        canvas_id = f"{root}/canvas/p{n}"
        service = image_service_id(base, book.image_api, page)
        canvases.append(
            {
                "id": canvas_id,
                "type": "Canvas",
                "label": _lang(page.label),
                "width": width,
                "height": height,
                "items": [
                    {
                        "id": f"{root}/page/p{n}",
                        "type": "AnnotationPage",
                        "items": [
                            {
                                "id": f"{root}/annotation/p{n}-image",
                                "type": "Annotation",
                                "motivation": "painting",
                                "target": canvas_id,
                                "body": {
                                    "id": _image_url(service),
                                    "type": "Image",
                                    "format": "image/jpeg",
                                    "width": width,
                                    "height": height,
                                    "service": [_service(book, service)],
                                },
                            }
                        ],
                    }
                ],
            }
        )
    return {
        "@context": PRESENTATION_3_CONTEXT,
        "id": url,
        "type": "Manifest",
        "label": _lang(book.label),
        "viewingDirection": "left-to-right",
        "items": canvases,
    }


def collection_v3(collection: SampleCollection, base: str) -> JSON:
    """A Presentation 3.0 Collection listing every book's manifest."""
    return {
        "@context": PRESENTATION_3_CONTEXT,
        "id": collection_url(base, 3),
        "type": "Collection",
        "label": _lang(collection.label),
        "items": [
            {"id": manifest_url(base, book), "type": "Manifest", "label": _lang(book.label)}
            for book in collection.books
        ],
    }


def collection_v2(collection: SampleCollection, base: str) -> JSON:
    """A Presentation 2.1 collection listing every book's manifest under ``manifests``."""
    return {
        "@context": PRESENTATION_2_CONTEXT,
        "@id": collection_url(base, 2),
        "@type": "sc:Collection",
        "label": collection.label,
        "manifests": [
            {"@id": manifest_url(base, book), "@type": "sc:Manifest", "label": book.label}
            for book in collection.books
        ],
    }
