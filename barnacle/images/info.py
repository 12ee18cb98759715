"""Image service limits: `info.json` once per service, and request sizes clamped to them.

info.json documents are kept in the image cache too (when one is given), so a later
`--offline` run computes the same clamped URLs that the prefetch run downloaded.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from pydantic import BaseModel, ValidationError

from barnacle.first_error import first_error
from barnacle.http_client.breaker import HostDown
from barnacle.http_client.errors import FetchError
from barnacle.http_client.get_json import get_json
from barnacle.http_client.retrying import RetryLog
from barnacle.http_client.session import BarnacleSession
from barnacle.iiif.image_api import ImageInfo, ImageRequest, ImageService, encode_url
from barnacle.iiif.pages import PageImage
from barnacle.iiif.request_plan import PlannedRequest, Region, plan_request
from barnacle.images.cache import INFO_SUFFIX, ImageCache

_MEMO_LIMIT = 10_000
_memo: dict[str, ImageInfo | FetchError] = {}
_memo_lock = threading.Lock()


class SizedRequest(BaseModel):
    """The image URL to fetch for a page, after applying the service's limits."""

    url: str
    request: ImageRequest  # with the size actually requested
    info: ImageInfo | None = None
    note: str | None = None  # why the request is not clamped, or how it was changed
    planned: PlannedRequest | None = None  # the level-aware plan, when there is a service
    service: ImageService | None = None  # as requested: in the version info.json declares


def clear_info_memo() -> None:
    """Forget the info.json documents (and failures) remembered by this process."""
    with _memo_lock:
        _memo.clear()


def _parse_info(url: str, data: object) -> ImageInfo:
    try:
        return ImageInfo.model_validate(data)
    except ValidationError as err:
        raise FetchError(url, f"info.json is not usable: {first_error(err)}") from err


def _verify_json(path: Path) -> None:
    json.loads(path.read_bytes())


def _load_info(
    service: ImageService,
    cache: ImageCache | None,
    session: BarnacleSession | None,
    retry_log: RetryLog | None,
) -> ImageInfo:
    url = service.info_url
    if cache is not None and (cached := cache.get(url, INFO_SUFFIX)) is not None:
        try:
            return _parse_info(url, json.loads(cached.read_bytes()))
        except (ValueError, FetchError):
            pass  # a cached document we cannot use: fetch it again (or fall back offline)
    if cache is not None and cache.offline:
        raise FetchError(url, "not in the cache and running offline")
    data = get_json(url, session=session, retry_log=retry_log)
    info = _parse_info(url, data)
    if cache is not None:
        cache.put_bytes(url, json.dumps(data).encode(), _verify_json, INFO_SUFFIX)
    return info


def get_image_info(
    service: ImageService,
    cache: ImageCache | None = None,
    session: BarnacleSession | None = None,
    retry_log: RetryLog | None = None,
) -> ImageInfo:
    """The service's info.json as ImageInfo; fetched at most once per process (failures too).

    Raises FetchError (with the info.json URL) when it cannot be fetched or parsed. Retries
    of the one fetch are added to `retry_log`.
    """
    url = service.info_url
    with _memo_lock:
        known = _memo.get(url)
    if known is None:
        try:
            known = _load_info(service, cache, session, retry_log)
        except FetchError as err:
            known = err
        offline_miss = isinstance(known, FetchError) and cache is not None and cache.offline
        # An offline miss says nothing about the server, and a host held down by the circuit
        # breaker was not asked (it may answer after the cool-down): neither is remembered.
        if not offline_miss and not isinstance(known, HostDown):
            with _memo_lock:
                if len(_memo) >= _MEMO_LIMIT:
                    _memo.clear()
                _memo[url] = known
    if isinstance(known, FetchError):
        raise known
    return known


def size_request(
    service: ImageService,
    request: ImageRequest,
    cache: ImageCache | None = None,
    session: BarnacleSession | None = None,
    retry_log: RetryLog | None = None,
    source_size: tuple[int | None, int | None] = (None, None),
    region: Region | None = None,
    rotation: int = 0,
) -> SizedRequest:
    """`request` as the service's version and compliance level allow, sized within its
    info.json limits (never upscaled), of `region` rotated by `rotation` when asked.

    When info.json cannot be had, the request is planned from the manifest alone
    (`source_size`, the service's profile) and `note` says so. When info.json declares
    another Image API version than the manifest, the request follows info.json (noted in the
    plan). A malformed `request.size` raises IIIFError.
    """
    try:
        info: ImageInfo | None = get_image_info(service, cache, session, retry_log)
        unavailable = None
    except FetchError as err:
        info, unavailable = None, f"info.json unavailable, size not clamped ({err})"
    service, version_note = service.following(info)
    planned = plan_request(service, request.size, info, source_size, region, rotation)
    if version_note:
        planned.notes.insert(0, version_note)
    sized = request.model_copy(
        update={
            "region": planned.request.region,
            "size": planned.request.size,
            "rotation": planned.request.rotation,
            "quality": planned.request.quality,
        }
    )
    note = unavailable
    if info is not None and planned.request.size != request.size:
        note = (
            f"size {request.size} asked as {planned.request.size}: what level "
            f"{planned.level} and info.json ({info.width}x{info.height}) allow"
        )
    return SizedRequest(
        url=sized.url(service),
        request=sized,
        info=info,
        note=note,
        planned=planned,
        service=service,
    )


def size_page_request(
    page: PageImage,
    request: ImageRequest,
    cache: ImageCache | None = None,
    session: BarnacleSession | None = None,
    retry_log: RetryLog | None = None,
) -> SizedRequest | None:
    """The URL to fetch for a page: planned through its image service (selector region and
    rotation included), or the plain resource URL when it has none (noted). None when the
    page has no image at all."""
    if page.service is not None:
        return size_request(
            page.service,
            request,
            cache,
            session,
            retry_log,
            source_size=(page.source_width, page.source_height),
            region=page.region,
            rotation=page.rotation,
        )
    if page.resource_url:
        return SizedRequest(
            url=encode_url(page.resource_url),
            request=request,
            note="no image service: fetching the image resource as is (size not applied)",
        )
    return None
