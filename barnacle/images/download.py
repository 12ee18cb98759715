"""Downloading one image URL into the shared cache, streamed, capped and verified."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import requests
from pydantic import BaseModel

from barnacle.hashing import file_sha256
from barnacle.http_client.errors import FetchError
from barnacle.http_client.get_json import error_body, snippet, status_error
from barnacle.http_client.network_errors import describe_network_error
from barnacle.http_client.retrying import RetryLog, get_with_retries
from barnacle.http_client.session import BarnacleSession, get_session
from barnacle.http_client.urls import check_fetchable
from barnacle.images.cache import ImageCache, offline_miss
from barnacle.images.decode import image_size, open_image
from barnacle.images.errors import ImageError
from barnacle.pause_points import pause_point

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


def _looks_like_markup(head: bytes) -> bool:
    start = head.lstrip()[:15].lower()
    return start.startswith((b"<!doctype", b"<html", b"<?xml", b"{", b"["))


def _check_response(url: str, response: requests.Response, max_bytes: int) -> None:
    status = response.status_code
    if status >= 400:
        error = status_error(url, response)
        raise ImageError(url, error.reason, status)
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type.startswith(_TEXT_TYPES):
        body = error_body(response)
        raise ImageError(
            url, f"expected an image but got {content_type}: {snippet(body)}", status, "not_image"
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
                        f"expected an image but got a text page: {snippet(chunk)}",
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
            if total == len(chunk):  # crash tests hold here: an image half in the cache
                pause_point("download", handle.flush)
    except requests.exceptions.RequestException as err:
        raise ImageError(
            url,
            f"download broke off after {total} bytes ({describe_network_error(err)})",
            response.status_code,
            "network",
            retry="network",
        ) from err
    if total == 0:
        raise ImageError(
            url, "the server sent an empty body", response.status_code, "corrupt", "corrupt"
        )
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


def _into_cache(
    url: str, cache: ImageCache, max_bytes: int, got: dict[str, int | str]
) -> Callable[[requests.Response], Path]:
    """What one answer for `url` is read with: the body streamed into the cache, kept once it
    decodes as an image; its bytes, sha256, width and height noted in `got`."""

    def attempt(response: requests.Response) -> Path:
        _check_response(url, response, max_bytes)

        def write(handle: BinaryIO) -> None:
            got["bytes"], got["sha256"] = _stream_into(url, response, handle, max_bytes)

        def verify(path: Path) -> None:
            try:
                with open_image(path, url) as image:
                    got["width"], got["height"] = image.size
            except ImageError as err:
                if err.kind == "corrupt":  # truncated on the way, perhaps: worth another try
                    err.retry = "corrupt"
                raise

        return cache.put(url, write, verify)

    return attempt


def fetch_image(
    url: str,
    cache: ImageCache,
    session: BarnacleSession | None = None,
    max_bytes: int = MAX_IMAGE_BYTES,
    retry_log: RetryLog | None = None,
) -> FetchedImage:
    """The cached image for `url`, downloading it first unless it is cached already.

    Retried (HttpSettings): 429/5xx, a 403 once, no answer, a body that breaks off (reset,
    read timeout) and a body that arrives whole but does not decode (truncated); the retries
    are added to `retry_log`. Raises ImageError (a FetchError) naming the URL for HTTP errors
    after retries, text pages instead of images, oversized, undecodable or truncated bodies,
    images above MAX_IMAGE_PIXELS, and (offline) images missing from the cache.
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
    attempt = _into_cache(url, cache, max_bytes, got)
    try:
        path = get_with_retries(session, url, attempt, headers={"Accept": "image/*"}, log=retry_log)
    except ImageError:
        raise
    except FetchError as err:  # no answer at all
        failed = ImageError(url, err.reason, err.status, "network")
        failed.retries, failed.retry_lost_ms = err.retries, err.retry_lost_ms
        raise failed from err
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
