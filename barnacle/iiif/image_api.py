"""IIIF Image API (2.x and 3.0): service ids, info.json limits, request URLs."""

from __future__ import annotations

import math
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from barnacle.iiif.errors import IIIFError

ApiVersion = Literal[2, 3]


def normalise_service_id(url: str) -> str:
    """Strip a trailing `/info.json` and trailing slashes from an image service id."""
    url = url.strip()
    if url.endswith("/info.json"):
        url = url[: -len("/info.json")]
    return url.rstrip("/")


def _version_from(context: Any, type_: Any, profile: Any) -> ApiVersion:
    texts = " ".join(
        str(x)
        for x in (
            context if isinstance(context, list) else [context],
            type_,
            profile if isinstance(profile, list) else [profile],
        )
        for x in (x if isinstance(x, list) else [x])
        if x is not None
    )
    if "ImageService3" in texts or "/image/3" in texts:
        return 3
    return 2


class ImageService(BaseModel):
    """An image service reference found on a canvas: where to ask for pixels."""

    id: str
    version: ApiVersion = 2
    profile: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> ImageService | None:
        """Read a service object (v2 `@id` or v3 `id`); None when it is not an image service."""
        candidates = data if isinstance(data, list) else [data]
        for item in candidates:
            if not isinstance(item, dict):
                continue
            ident = item.get("@id") or item.get("id")
            type_ = item.get("@type") or item.get("type")
            context = item.get("@context")
            profile = item.get("profile")
            if not isinstance(ident, str) or not ident:
                continue
            looks_like_image = (
                (isinstance(type_, str) and type_.startswith("ImageService"))
                or "iiif.io/api/image" in str(context)
                or "iiif.io/api/image" in str(profile)
                or (isinstance(profile, str) and profile.startswith("level"))
            )
            if not looks_like_image:
                continue
            first_profile = profile[0] if isinstance(profile, list) and profile else profile
            return cls(
                id=normalise_service_id(ident),
                version=_version_from(context, type_, profile),
                profile=first_profile if isinstance(first_profile, str) else None,
            )
        return None

    @property
    def info_url(self) -> str:
        return f"{self.id}/info.json"


class ImageInfo(BaseModel):
    """The parts of an `info.json` that bound what a request may ask for."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    width: int = Field(gt=0)
    height: int = Field(gt=0)
    max_width: int | None = Field(default=None, alias="maxWidth", gt=0)
    max_height: int | None = Field(default=None, alias="maxHeight", gt=0)
    max_area: int | None = Field(default=None, alias="maxArea", gt=0)


class ImageRequest(BaseModel):
    """The parameters of one Image API request, apart from the service it goes to."""

    region: str = "full"
    size: str = "!3000,3000"
    rotation: str = "0"
    quality: str = "default"
    format: str = "jpg"

    def url(self, service: ImageService) -> str:
        size = self.size
        if service.version == 3 and size == "full":
            size = "max"
        return f"{service.id}/{self.region}/{size}/{self.rotation}/{self.quality}.{self.format}"

    def key(self) -> str:
        """The request parameters as one string, for page keys."""
        return f"{self.format}|{self.size}|{self.quality}|{self.region}|{self.rotation}"


_SIZE = re.compile(r"^(?P<confined>!)?(?P<w>\d*),(?P<h>\d*)$")


def target_size(size: str, width: int, height: int) -> tuple[int, int]:
    """The pixel size that `size` asks for from an image of `width` x `height` (no clamping)."""
    size = size.strip().lstrip("^")
    if size in ("full", "max"):
        return width, height
    if size.startswith("pct:"):
        try:
            pct = float(size[4:])
        except ValueError as err:
            raise IIIFError(f"bad size {size!r}: pct:N expects a number") from err
        return max(1, round(width * pct / 100)), max(1, round(height * pct / 100))
    match = _SIZE.match(size)
    if not match or (not match["w"] and not match["h"]):
        raise IIIFError(f"bad size {size!r}: use full, max, w,  ,h  w,h  !w,h or pct:n")
    w = int(match["w"]) if match["w"] else None
    h = int(match["h"]) if match["h"] else None
    if match["confined"]:
        if w is None or h is None:
            raise IIIFError(f"bad size {size!r}: !w,h needs both numbers")
        scale = min(w / width, h / height)
        return max(1, math.floor(width * scale)), max(1, math.floor(height * scale))
    if w is not None and h is not None:
        return w, h
    if w is not None:
        return w, max(1, round(height * w / width))
    assert h is not None
    return max(1, round(width * h / height)), h


def clamp_size(size: str, info: ImageInfo) -> str:
    """The size to request so the server will answer: never larger than the original
    (servers answer 403 to upscaling) nor than `maxWidth`/`maxHeight`/`maxArea`.

    Returns `size` unchanged when it already fits, else an explicit `w,h`.
    """
    w, h = target_size(size, info.width, info.height)
    scale = min(1.0, info.width / w, info.height / h)
    if info.max_width:
        scale = min(scale, info.max_width / w)
    if info.max_height:
        scale = min(scale, info.max_height / h)
    if info.max_area and w * h > info.max_area:
        scale = min(scale, math.sqrt(info.max_area / (w * h)))
    if scale >= 1.0:
        return size
    max_w = min(info.width, info.max_width or info.width)
    max_h = min(info.height, info.max_height or info.height)
    new_w = max(1, min(max_w, round(w * scale)))
    new_h = max(1, min(max_h, round(h * scale)))
    while info.max_area and new_w * new_h > info.max_area:
        new_w, new_h = max(1, new_w - 1), max(1, round(new_h * (new_w - 1) / new_w))
    return f"{new_w},{new_h}"
