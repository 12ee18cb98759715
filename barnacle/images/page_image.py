"""One page's image: the request sized by info.json, downloaded through the cache, and what
had to be worked around on the way (retries, an info.json that does not match the image).

An info.json can lie about the image's size (the master's size while a derivative is
served, say), and a service can be a lower level than we assumed, or a static level 0 host
that answers 404 to any size it does not have. So a request refused with 400, 403 or 404 is
asked once more as the level 0 request (the whole image at `full` in 1.x/2.x, `max` in 3.0:
what every level must answer), and a delivered image that does not match what info.json
promised is noted.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from barnacle.http_client.retrying import RetryLog
from barnacle.http_client.session import BarnacleSession
from barnacle.iiif import ImageRequest, PageImage
from barnacle.iiif.request_plan import PlannedRequest, level0_request
from barnacle.images.cache import ImageCache
from barnacle.images.download import FetchedImage, fetch_image
from barnacle.images.errors import ImageError
from barnacle.images.info import SizedRequest, size_page_request

# A request the server refuses (400, 403) or a static level 0 host does not have (404)
# is asked once more in the form every level answers: the whole image at full/max.
REFUSED_SIZE_STATUSES = (400, 403, 404)
SIZE_TOLERANCE = 2  # pixels of rounding between a server's arithmetic and ours


class PageImageResult(BaseModel):
    """The image fetched for a page, the URL it came from, the region and rotation of the
    source image it shows (None / 0: all of it, unrotated), and notes for the record."""

    url: str
    image: FetchedImage
    notes: list[str] = Field(default_factory=list)
    region: str | None = None
    rotation: int = 0


def _fallback(
    page: PageImage, sized: SizedRequest, err: ImageError, cache: ImageCache
) -> PlannedRequest | None:
    """The level 0 request to try when the planned one failed, else None."""
    service = sized.service or page.service
    if service is None:
        return None
    fallback = level0_request(service, sized.info)
    if fallback.url == sized.url:
        return None
    if err.status in REFUSED_SIZE_STATUSES:
        return fallback
    if err.kind == "offline_miss" and cache.get(fallback.url) is not None:
        return fallback  # an earlier (prefetch) run fell back already
    return None


def _mismatch(sized: SizedRequest, image: FetchedImage) -> str | None:
    """A note when the image is not the size that info.json led us to expect."""
    info = sized.info
    if info is None or sized.planned is None or sized.planned.expected is None:
        return None
    want_w, want_h = sized.planned.expected
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
    """Plan the request through the page's info.json (version, level, limits, selector),
    fetch it into the cache, and fall back to the level 0 request (whole image at
    full/max) when the server refuses it or has no such size.

    Retries (of info.json and image alike) are added to `retry_log`. Raises ImageError
    (a FetchError) for a canvas that cannot be read, a page without an image or an image
    that cannot be had, naming the URL first asked for; IIIFError for a malformed size.
    """
    if page.problem:
        raise ImageError(
            page.canvas_id, f"canvas cannot be read: {page.problem}", kind="bad_canvas"
        )
    sized = size_page_request(page, request, cache, session, retry_log)
    if sized is None:
        raise ImageError(page.canvas_id, "canvas has no image to OCR", kind="not_image")
    notes = [sized.note] if sized.note and sized.info is None else []
    planned = sized.planned
    if planned is not None:
        notes += planned.notes
    try:
        image = fetch_image(sized.url, cache, session, retry_log=retry_log)
    except ImageError as err:
        fallback = _fallback(page, sized, err, cache)
        if fallback is None:
            raise
        try:
            image = fetch_image(fallback.url, cache, session, retry_log=retry_log)
        except ImageError:
            raise err from None  # the first refusal says most about what went wrong
        refused = f"HTTP {err.status}" if err.status else "not in the cache"
        info = sized.info
        claimed = (
            f"info.json ({info.width}x{info.height}) may not match the image"
            if info
            else "no info.json to go by"
        )
        notes.append(
            f"{sized.url} was refused ({refused}); {claimed}: fetched the whole image "
            f"({image.width}x{image.height}) at {fallback.url} instead"
        )
        if planned is not None and (planned.region or planned.rotation):
            notes.append("the selector's region/rotation is not applied to this image")
        return PageImageResult(url=fallback.url, image=image, notes=notes)
    mismatch = _mismatch(sized, image)
    if mismatch:
        notes.append(mismatch)
    return PageImageResult(
        url=sized.url,
        image=image,
        notes=notes,
        region=planned.region if planned else None,
        rotation=planned.rotation if planned else 0,
    )
