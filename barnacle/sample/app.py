"""The Flask app serving the sample collection: manifests, collections and Image API.

Routes (the base URL is taken from each request, so any host and port work):

* ``/collection.json`` -- Presentation 3.0 Collection of all manifests
* ``/collection-v2.json`` -- Presentation 2.1 collection (``manifests``)
* ``/manifests/<book>.json`` -- each book in the version ``books.json`` gives it
* ``/iiif/2/<id>/info.json``, ``/iiif/2/<id>/<region>/<size>/<rotation>/<quality>.<fmt>``
  -- Image API 2.1; the same under ``/iiif/3/`` for Image API 3.0 and ``/iiif/1/`` for 1.1;
  a book with ``image_level`` 0 is served as a static set of files (listed sizes only)
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from flask import Flask, Response, redirect, request
from iiif.error import IIIFError
from werkzeug.wrappers import Response as BaseResponse

from barnacle.sample import presentation
from barnacle.sample.books import Page, SampleCollection, image_size, load_books
from barnacle.sample.image_api import DEFAULT_MAX_SIZE, ImageServer, Reply, error_reply

CORS_HEADERS = {"Access-Control-Allow-Origin": "*"}


def _base_url() -> str:
    """``scheme://host:port[/script-root]`` of the current request, without trailing slash."""
    return request.url_root.rstrip("/")


def _to_response(reply: Reply) -> Response:
    response = Response(reply.body, status=reply.status, content_type=reply.content_type)
    response.headers.update(reply.headers)
    return response


def _json_response(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, indent=2, ensure_ascii=False)
    return Response(body, status=status, content_type="application/ld+json; charset=utf-8")


def _not_found(text: str) -> Response:
    return Response(text + "\n", status=404, content_type="text/plain; charset=utf-8")


def _level_of(collection: SampleCollection, identifier: str) -> int:
    """The Image API level the image is served at (the book's `image_level`; 2 if unknown)."""
    found = collection.page(identifier)
    return found[0].image_level if found else 2


def _find_image(
    collection: SampleCollection, api: int, identifier: str
) -> tuple[Page, Path] | Response:
    """The page and image file of `identifier`, or the error response naming what is wrong."""
    if api not in (1, 2, 3):
        return _not_found(f"Unknown Image API version {api}; use /iiif/1/, /2/ or /3/.")
    found = collection.page(identifier)
    if found is None:
        return _to_response(
            error_reply(IIIFError(404, "identifier", f"Unknown image '{identifier}'."))
        )
    _, page = found
    path = collection.image_path(page)
    if not path.is_file():
        return _to_response(
            error_reply(
                IIIFError(404, "identifier", f"Image file for '{identifier}' missing: {path}")
            )
        )
    return page, path


def _add_presentation_routes(app: Flask, collection: SampleCollection) -> None:
    """`/` (to the collection), the collections (3.0 and 2.1) and each book's manifest."""

    def size_of(page: Page) -> tuple[int, int]:
        return image_size(collection.image_path(page))

    @app.get("/")
    def index() -> BaseResponse:
        return redirect(presentation.collection_url(_base_url(), 3), code=302)

    @app.get("/collection.json")
    def collection_v3() -> Response:
        return _json_response(presentation.collection_v3(collection, _base_url()))

    @app.get("/collection-v2.json")
    def collection_v2() -> Response:
        return _json_response(presentation.collection_v2(collection, _base_url()))

    @app.get("/manifests/<book_id>.json")
    def manifest(book_id: str) -> Response:
        book = collection.book(book_id)
        if book is None:
            return _not_found(f"No manifest '{book_id}'.")
        return _json_response(presentation.manifest(book, _base_url(), size_of))


def _add_image_routes(app: Flask, collection: SampleCollection, images: ImageServer) -> None:
    """The Image API (1.1, 2.1, 3.0): an image's base URL (to its info.json), its info.json
    and its pixels, these after the app's SAMPLE_DELAY_S."""

    @app.get("/iiif/<int:api>/<identifier>")
    def image_base(api: int, identifier: str) -> BaseResponse:
        found = _find_image(collection, api, identifier)
        if isinstance(found, Response):
            return found
        service = presentation.image_service_id(_base_url(), api, found[0])
        return redirect(f"{service}/info.json", code=303)

    @app.get("/iiif/<int:api>/<identifier>/info.json")
    def image_info(api: int, identifier: str) -> Response:
        found = _find_image(collection, api, identifier)
        if isinstance(found, Response):
            return found
        page, path = found
        width, height = image_size(path)
        service = presentation.image_service_id(_base_url(), api, page)
        level = _level_of(collection, identifier)
        return _to_response(images.info(api, service, path, width, height, level))

    @app.get("/iiif/<int:api>/<identifier>/<region>/<size>/<rotation>/<quality_format>")
    def image(
        api: int, identifier: str, region: str, size: str, rotation: str, quality_format: str
    ) -> Response:
        found = _find_image(collection, api, identifier)
        if isinstance(found, Response):
            return found
        _, path = found
        delay = float(app.config["SAMPLE_DELAY_S"])
        if delay > 0:
            time.sleep(delay)
        level = _level_of(collection, identifier)
        reply = images.image(api, identifier, path, region, size, rotation, quality_format, level)
        return _to_response(reply)


def create_app(
    data_dir: str | Path,
    delay_s: float = 0.0,
    max_size: int = DEFAULT_MAX_SIZE,
) -> Flask:
    """A Flask app serving the collection described in ``<data_dir>/books.json``.

    `delay_s` is slept before answering each image (pixel) request, to imitate a slow
    image server. `max_size` is the ``maxWidth``/``maxHeight`` announced and enforced.
    ``books.json`` is read once here; image files are read when they are asked for, so
    they may appear after the server starts.
    """
    collection = load_books(data_dir)
    images = ImageServer(max_width=max_size, max_height=max_size)
    app = Flask(__name__)
    app.config["SAMPLE_DELAY_S"] = delay_s
    # Flask's URL rules must not redirect /iiif/2/x/info.json/ etc. behind our back.
    app.url_map.strict_slashes = False

    @app.after_request
    def _cors(response: Response) -> Response:
        response.headers.update(CORS_HEADERS)
        return response

    @app.errorhandler(FileNotFoundError)
    def _missing_file(err: FileNotFoundError) -> Response:
        return _not_found(f"Sample file missing: {err.filename or err}")

    _add_presentation_routes(app, collection)
    _add_image_routes(app, collection, images)
    return app
