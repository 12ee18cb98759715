"""The error image download and caching (barnacle.images) raises: names the URL, the status
when there was one, and a kind."""

from __future__ import annotations

from typing import Literal

from barnacle.http_client.errors import FetchError, RetryKind

ImageErrorKind = Literal[
    "http",  # the server answered 4xx/5xx (after retries for 429/5xx)
    "network",  # no answer, or a body that broke off: refused, reset, timeout (after retries)
    "not_image",  # an HTML/JSON/text page where an image was expected
    "corrupt",  # bytes Pillow cannot decode, or a truncated image (retried, then reported)
    "too_large",  # more bytes than the download cap
    "bomb",  # more pixels than MAX_IMAGE_PIXELS (decompression bomb guard)
    "offline_miss",  # --offline and the image is not in the cache
    "bad_canvas",  # the manifest's canvas cannot be read (its other pages still are)
]


class ImageError(FetchError):
    """A page image that could not be fetched, cached or decoded.

    A FetchError, so one `except FetchError` covers info.json and image problems alike.
    """

    def __init__(
        self,
        url: str,
        message: str,
        status: int | None = None,
        kind: ImageErrorKind = "http",
        retry: RetryKind | None = None,
    ) -> None:
        super().__init__(url, message, status, retry)
        self.kind: ImageErrorKind = kind
