"""Downloading one image URL into the shared cache, streamed, capped and verified."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import BinaryIO

import requests
from pydantic import BaseModel

from barnacle.fetch.errors import FetchError
from barnacle.fetch.session import RETRY_STATUSES, BarnacleSession, get_session
from barnacle.fetch.urls import check_fetchable
from barnacle.hashing import file_sha256
from barnacle.images.cache import ImageCache, offline_miss
from barnacle.images.decode import image_size, open_image
from barnacle.images.errors import ImageError

MAX_IMAGE_BYTES = 200 << 20  # 200 MiB: far above any sensible page image
CHUNK = 1 << 16
_TEXT_TYPES = ("text/", "application/json", "application/ld+json", "application/xml")


class FetchedImage(BaseModel):
    """A page image in the cache and what we know about it."""

    url: str
    path: Path
    sha256: str  # of the image bytes (not of the URL)
    width: int
    height: int
    bytes: int
    fetch_ms: float  # download + verify on a miss; hashing the cached file on a hit
    cache_hit: bool


def _snippet(data: bytes, limit: int = 80) -> str:
    text = " ".join(data[:1000].decode("utf-8", "replace").split())
    return text[:limit] + ("..." if len(text) > limit else "")


def _looks_like_markup(head: bytes) -> bool:
    start = head.lstrip()[:15].lower()
    return start.startswith((b"<!doctype", b"<html", b"<?xml", b"{", b"["))


def _open_response(url: str, session: BarnacleSession) -> requests.Response:
    try:
        return session.get(url, stream=True, headers={"Accept": "image/*"})
    except requests.exceptions.RetryError as err:
        raise ImageError(
            url, f"gave up after {session.settings.retries} retries ({err})", kind="network"
        ) from err
    except requests.exceptions.Timeout as err:
        raise ImageError(
            url, "the server did not answer in time (timeout)", kind="network"
        ) from err
    except requests.exceptions.ConnectionError as err:
        raise ImageError(url, f"could not connect ({type(err).__name__})", kind="network") from err
    except requests.exceptions.RequestException as err:
        raise ImageError(url, str(err), kind="network") from err


def _check_response(url: str, response: requests.Response, max_bytes: int) -> None:
    status = response.status_code
    if status >= 400:
        retried = " after retries" if status in RETRY_STATUSES else ""
        body = response.raw.read(1000, decode_content=True) or b""
        raise ImageError(url, f"{response.reason or 'error'}{retried}: {_snippet(body)}", status)
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type.startswith(_TEXT_TYPES):
        body = response.raw.read(1000, decode_content=True) or b""
        raise ImageError(
            url, f"expected an image but got {content_type}: {_snippet(body)}", status, "not_image"
        )
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise ImageError(
            url, f"image is {length} bytes, above the cap of {max_bytes}", status, "too_large"
        )


def _stream_into(
    url: str, response: requests.Response, handle: BinaryIO, max_bytes: int
) -> tuple[int, str]:
    """Copy the body into `handle`; the byte count and the sha256 of the bytes."""
    digest = hashlib.sha256()
    total = 0
    first = True
    try:
        for chunk in response.iter_content(CHUNK):
            if first and chunk:
                first = False
                if _looks_like_markup(chunk):
                    raise ImageError(
                        url,
                        f"expected an image but got a text page: {_snippet(chunk)}",
                        response.status_code,
                        "not_image",
                    )
            total += len(chunk)
            if total > max_bytes:
                raise ImageError(
                    url,
                    f"image is over the cap of {max_bytes} bytes",
                    response.status_code,
                    "too_large",
                )
            digest.update(chunk)
            handle.write(chunk)
    except requests.exceptions.RequestException as err:
        raise ImageError(
            url,
            f"download broke off after {total} bytes ({type(err).__name__})",
            response.status_code,
            "network",
        ) from err
    if total == 0:
        raise ImageError(url, "the server sent an empty body", response.status_code, "corrupt")
    return total, digest.hexdigest()


def _cached(url: str, path: Path, started: float) -> FetchedImage:
    width, height = image_size(path, url)
    return FetchedImage(
        url=url,
        path=path,
        sha256=file_sha256(path),
        width=width,
        height=height,
        bytes=path.stat().st_size,
        fetch_ms=(time.perf_counter() - started) * 1000,
        cache_hit=True,
    )


def fetch_image(
    url: str,
    cache: ImageCache,
    session: BarnacleSession | None = None,
    max_bytes: int = MAX_IMAGE_BYTES,
) -> FetchedImage:
    """The cached image for `url`, downloading it first unless it is cached already.

    Raises ImageError (a FetchError) naming the URL for HTTP errors after retries, text
    pages instead of images, oversized, undecodable or truncated bodies, images above
    MAX_IMAGE_PIXELS, and (offline) images missing from the cache.
    """
    started = time.perf_counter()
    existing = cache.get(url)
    if existing is not None:
        return _cached(url, existing, started)
    if cache.offline:
        raise offline_miss(url, cache.root)
    try:
        check_fetchable(url)
    except FetchError as err:
        raise ImageError(url, err.reason, kind="network") from err
    session = session or get_session()
    got: dict[str, int | str] = {}

    response = _open_response(url, session)
    with response:
        _check_response(url, response, max_bytes)

        def write(handle: BinaryIO) -> None:
            got["bytes"], got["sha256"] = _stream_into(url, response, handle, max_bytes)

        def verify(path: Path) -> None:
            with open_image(path, url) as image:
                got["width"], got["height"] = image.size

        path = cache.put(url, write, verify)
    return FetchedImage(
        url=url,
        path=path,
        sha256=str(got["sha256"]),
        width=int(got["width"]),
        height=int(got["height"]),
        bytes=int(got["bytes"]),
        fetch_ms=(time.perf_counter() - started) * 1000,
        cache_hit=False,
    )
