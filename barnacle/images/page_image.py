"""One page's image: the request sized by info.json, downloaded through the cache, and what
had to be worked around on the way (retries, an info.json that does not match the image).

An info.json can lie about the image's size (the master's size while a derivative is
served, say). Believed, it makes us ask for a size the server then refuses as an upscale
(400 in Image API 3, often 403 in 2) on every run. So a sized request refused with 400 or
403 is asked once more as `max` (valid in Image API 2.1 and 3.0, and within the server's
own limits), and a delivered image that does not match what info.json promised is noted.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from barnacle.fetch.retrying import RetryLog
from barnacle.fetch.session import BarnacleSession
from barnacle.iiif import IIIFError, ImageRequest, PageImage
from barnacle.iiif.image_api import target_size
from barnacle.images.cache import ImageCache
from barnacle.images.errors import ImageError
from barnacle.images.fetch import FetchedImage, fetch_image
from barnacle.images.info import SizedRequest, size_page_request

REFUSED_SIZE_STATUSES = (400, 403)
FALLBACK_SIZE = "max"
SIZE_TOLERANCE = 2  # pixels of rounding between a server's arithmetic and ours


class PageImageResult(BaseModel):
    """The image fetched for a page, the URL it came from, and notes for the record."""

    url: str
    image: FetchedImage
    notes: list[str] = Field(default_factory=list)


def _fallback_url(
    page: PageImage, sized: SizedRequest, err: ImageError, cache: ImageCache
) -> str | None:
    """The `max` URL to try when the sized request failed because of info.json, else None."""
    if page.service is None or sized.info is None:
        return None  # no info.json was believed: nothing to distrust
    fallback = sized.request.model_copy(update={"size": FALLBACK_SIZE}).url(page.service)
    if fallback == sized.url:
        return None
    if err.status in REFUSED_SIZE_STATUSES:
        return fallback
    if err.kind == "offline_miss" and cache.get(fallback) is not None:
        return fallback  # an earlier (prefetch) run fell back already
    return None


def _mismatch(sized: SizedRequest, image: FetchedImage) -> str | None:
    """A note when the image is not the size that info.json led us to expect."""
    info = sized.info
    if info is None:
        return None
    try:
        want_w, want_h = target_size(sized.request.size, info.width, info.height)
    except (IIIFError, ValueError, ZeroDivisionError):
        return None
    if abs(want_w - image.width) <= SIZE_TOLERANCE and abs(want_h - image.height) <= SIZE_TOLERANCE:
        return None
    return (
        f"info.json says the image is {info.width}x{info.height}, so size "
        f"{sized.request.size} should be {want_w}x{want_h}, but the server sent "
        f"{image.width}x{image.height}"
    )


def fetch_page_image(
    page: PageImage,
    request: ImageRequest,
    cache: ImageCache,
    session: BarnacleSession | None = None,
    retry_log: RetryLog | None = None,
) -> PageImageResult:
    """Size the request through the page's info.json, fetch it into the cache, and fall
    back to `max` when the server refuses the size that info.json suggested.

    Retries (of info.json and image alike) are added to `retry_log`. Raises ImageError
    (a FetchError) for a page without an image or an image that cannot be had, naming the
    URL first asked for; IIIFError for a malformed size.
    """
    sized = size_page_request(page, request, cache, session, retry_log)
    if sized is None:
        raise ImageError(page.canvas_id, "canvas has no image to OCR", kind="not_image")
    notes = [sized.note] if sized.note and sized.info is None else []
    try:
        image = fetch_image(sized.url, cache, session, retry_log=retry_log)
    except ImageError as err:
        fallback = _fallback_url(page, sized, err, cache)
        if fallback is None:
            raise
        try:
            image = fetch_image(fallback, cache, session, retry_log=retry_log)
        except ImageError:
            raise err from None  # the first refusal says most about what went wrong
        refused = f"HTTP {err.status}" if err.status else "not in the cache"
        claimed = f"{sized.info.width}x{sized.info.height}" if sized.info else "?"
        notes.append(
            f"size {sized.request.size} was refused ({refused}) at {sized.url}; info.json "
            f"({claimed}) may not match the image: fetched {FALLBACK_SIZE} "
            f"({image.width}x{image.height}) instead"
        )
        return PageImageResult(url=fallback, image=image, notes=notes)
    mismatch = _mismatch(sized, image)
    if mismatch:
        notes.append(mismatch)
    return PageImageResult(url=sized.url, image=image, notes=notes)
