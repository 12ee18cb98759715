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
# Image API 1.1 services are named as most 1.1-era manifests name them: by Stanford URIs.
IMAGE_1_CONTEXT = "http://library.stanford.edu/iiif/image-api/1.1/context.json"
IMAGE_1_PROFILE = "http://library.stanford.edu/iiif/image-api/1.1/compliance.html#level{}"

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


def _image_url(book: Book, service: str) -> str:
    """The whole image, in the form every level of the book's Image API version answers."""
    if book.image_api == 1:
        return f"{service}/full/full/0/native.jpg"
    if book.image_api == 2 and book.image_level == 0:
        return f"{service}/full/full/0/default.jpg"  # `max` is optional in 2.1
    # "max" is valid in Image API 2.1 and 3.0 and always within the server's limits.
    return f"{service}/full/max/0/default.jpg"


def _service_v1(service: str, level: int) -> JSON:
    return {"@context": IMAGE_1_CONTEXT, "@id": service, "profile": IMAGE_1_PROFILE.format(level)}


def _service_v2(service: str, presentation: int, level: int) -> JSON:
    profile = f"http://iiif.io/api/image/2/level{level}.json"
    if presentation == 2:
        return {"@context": IMAGE_2_CONTEXT, "@id": service, "profile": profile}
    return {"@id": service, "@type": "ImageService2", "profile": profile}


def _service_v3(service: str, level: int) -> JSON:
    return {"id": service, "type": "ImageService3", "profile": f"level{level}"}


def _service(book: Book, service: str) -> JSON:
    if book.image_api == 3:
        return _service_v3(service, book.image_level)
    if book.image_api == 1:
        return _service_v1(service, book.image_level)
    return _service_v2(service, book.presentation, book.image_level)


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
                            "@id": _image_url(book, service),
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
                                    "id": _image_url(book, service),
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
