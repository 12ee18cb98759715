"""IIIF Image API (1.x, 2.x and 3.0): service ids, versions, compliance levels, info.json
limits and request URLs.

Which version a service speaks decides the request syntax (1.1 asks for quality `native`,
2.x and 3.0 for `default`; 3.0 says `max` where 1.x/2.x say `full`); its compliance level
decides which request forms the server must answer (see `barnacle.iiif.request_plan`).
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from barnacle.defaults import IMAGE_SIZE
from barnacle.iiif.errors import IIIFError

ApiVersion = Literal[1, 2, 3]

# Image API 1.x services were named by Stanford URIs before iiif.io existed, e.g.
# http://library.stanford.edu/iiif/image-api/1.1/context.json and
# http://library.stanford.edu/iiif/image-api/compliance.html#level1
_V1_MARKERS = ("ImageService1", "iiif.io/api/image/1", "library.stanford.edu/iiif/image-api")
_V3_MARKERS = ("ImageService3", "iiif.io/api/image/3")
_V2_MARKERS = ("ImageService2", "iiif.io/api/image/2")
_IMAGE_MARKERS = ("iiif.io/api/image", "/iiif/image-api")
_LEVEL = re.compile(r"level\s*([012])\b|level([012])\.json|#level([012])")
# Characters left as they are in a service id: RFC 3986 reserved and unreserved characters
# and `%`, so an id already percent-encoded (`%2F` in an identifier) stays as it is.
_URL_SAFE = ":/?#[]@!$&'()*+,;=-._~%"
_ALREADY_SAFE = re.compile(r"[A-Za-z0-9:/?#\[\]@!$&'()*+,;=\-._~%]*")


def _flat_strings(*values: Any) -> list[str]:
    """The strings in `values`, lists (of lists) flattened, anything else left out."""
    out: list[str] = []
    for value in values:
        if isinstance(value, list):
            out += _flat_strings(*value)
        elif isinstance(value, str):
            out.append(value)
    return out


def encode_url(url: str) -> str:
    """`url` with what may not appear literally (spaces, non-ASCII, quotes) percent-encoded;
    what is already encoded stays as it is."""
    url = url.strip()
    if _ALREADY_SAFE.fullmatch(url):
        return url  # nearly every id: spare quote() its work
    return quote(url, safe=_URL_SAFE)


def normalise_service_id(url: str) -> str:
    """A service id as requests use it: no trailing `/info.json` or slashes, and
    percent-encoded where it must be."""
    url = url.strip()
    if url.endswith("/info.json"):
        url = url[: -len("/info.json")]
    return encode_url(url.rstrip("/"))


def _named_version(texts: list[str]) -> ApiVersion | None:
    """The Image API version that `texts` (URIs, type names) name, or None."""
    joined = " ".join(texts)
    if any(marker in joined for marker in _V3_MARKERS):
        return 3
    if any(marker in joined for marker in _V1_MARKERS):
        return 1
    if any(marker in joined for marker in _V2_MARKERS):
        return 2
    return None


def declared_version(context: Any, type_: Any, profile: Any) -> ApiVersion | None:
    """1, 2 or 3 as a service (or an info.json) declares it, the most authoritative source
    first: `@context` or `@type`/`type`, then `profile`. None when none says.

    Older v2 manifests often give an Image API 2 `@context` with a 1.1 compliance URI as
    `profile`: the context says which syntax the server speaks, the profile only its level.
    """
    return _named_version(_flat_strings(context, type_)) or _named_version(_flat_strings(profile))


def service_version(context: Any, type_: Any, profile: Any) -> ApiVersion:
    """1, 2 or 3 from a service's `@context`, `@type`/`type` and `profile`; 2 when none says."""
    return declared_version(context, type_, profile) or 2


def profile_level(profile: Any) -> int | None:
    """The compliance level a `profile` names (`level1`, `.../image/2/level1.json`,
    `...compliance.html#level1`), or None when it names none."""
    for text in _flat_strings(profile):
        match = _LEVEL.search(text)
        if match:
            return int(next(group for group in match.groups() if group is not None))
    return None


class ImageService(BaseModel):
    """An image service reference found on a canvas: where to ask for pixels, in which
    version of the Image API, at which compliance level (None: the manifest does not say)."""

    id: str
    version: ApiVersion = 2
    profile: str | None = None
    level: int | None = None

    @classmethod
    def from_json(cls, data: Any) -> ImageService | None:
        """Read a service object (`@id` or `id`); None when no entry is an image service."""
        candidates = data if isinstance(data, list) else [data]
        for item in candidates:
            if not isinstance(item, dict):
                continue
            ident = item.get("@id") or item.get("id")
            type_ = item.get("@type") or item.get("type")
            context = item.get("@context")
            profile = item.get("profile")
            conforms = item.get("dcterms:conformsTo")
            if not isinstance(ident, str) or not ident.strip():
                continue
            texts = " ".join(_flat_strings(context, profile, conforms))
            looks_like_image = (
                (isinstance(type_, str) and type_.startswith("ImageService"))
                or any(marker in texts for marker in _IMAGE_MARKERS)
                or (isinstance(profile, str) and profile.startswith("level"))
            )
            if not looks_like_image:
                continue
            first_profile = profile[0] if isinstance(profile, list) and profile else profile
            return cls(
                id=normalise_service_id(ident),
                version=service_version(context, type_, [profile, conforms]),
                profile=first_profile if isinstance(first_profile, str) else None,
                level=profile_level([profile, conforms]),
            )
        return None

    def following(self, info: ImageInfo | None) -> tuple[ImageService, str | None]:
        """This service in the version its info.json declares, when that differs from what
        the manifest says (info.json is what the server itself says), with a note saying so."""
        if info is None or info.version is None or info.version == self.version:
            return self, None
        note = (
            f"the manifest says Image API {self.version}, info.json says {info.version}: "
            f"requests follow info.json"
        )
        return self.model_copy(update={"version": info.version}), note

    @property
    def info_url(self) -> str:
        return f"{self.id}/info.json"

    def describe(self) -> str:
        """`Image API 2, level 1` (or `level not given`), for reports."""
        level = f"level {self.level}" if self.level is not None else "level not given"
        return f"Image API {self.version}, {level}"


class ListedSize(BaseModel):
    """One entry of info.json `sizes`: a whole-image size the server must answer."""

    width: int = Field(gt=0)
    height: int = Field(gt=0)


class ImageInfo(BaseModel):
    """The parts of an `info.json` that bound what a request may ask for."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    width: int = Field(gt=0)
    height: int = Field(gt=0)
    max_width: int | None = Field(default=None, alias="maxWidth", gt=0)
    max_height: int | None = Field(default=None, alias="maxHeight", gt=0)
    max_area: int | None = Field(default=None, alias="maxArea", gt=0)
    sizes: list[ListedSize] = []
    scale_factors: list[int] = []  # Image API 1.1: the only sizes a level 0 server must give
    profile: Any = None
    context: Any = Field(default=None, alias="@context")
    kind: Any = Field(default=None, alias="type")  # `ImageService3` in 3.0

    @model_validator(mode="before")
    @classmethod
    def _limits_from_profile(cls, data: Any) -> Any:
        """Image API 2.x puts maxWidth/maxHeight/maxArea in the profile's description
        object (`profile: [uri, {...}]`); 3.0 puts them at the top."""
        if not isinstance(data, dict) or not isinstance(data.get("profile"), list):
            return data
        lifted = dict(data)
        for entry in data["profile"]:
            if isinstance(entry, dict):
                for key in ("maxWidth", "maxHeight", "maxArea"):
                    if key in entry and key not in lifted:
                        lifted[key] = entry[key]
        return lifted

    @field_validator("sizes", "scale_factors", mode="before")
    @classmethod
    def _usable_entries(cls, value: Any) -> list[Any]:
        """Entries we cannot use are dropped: they bound nothing."""
        if not isinstance(value, list):
            return []
        keep: list[dict[str, int] | int] = []
        for entry in value:
            if isinstance(entry, dict):
                w, h = entry.get("width"), entry.get("height")
                if isinstance(w, int) and isinstance(h, int) and w > 0 and h > 0:
                    keep.append({"width": w, "height": h})
            elif isinstance(entry, int) and not isinstance(entry, bool) and entry > 0:
                keep.append(entry)
        return keep

    @property
    def level(self) -> int | None:
        return profile_level(self.profile)

    @property
    def version(self) -> ApiVersion | None:
        """The Image API version this info.json declares (None: it does not say)."""
        return declared_version(self.context, self.kind, self.profile)

    @property
    def limit_height(self) -> int | None:
        """maxHeight, or maxWidth when only that is given (as the 2.1 and 3.0 specs say)."""
        return self.max_height or self.max_width


class ImageRequest(BaseModel):
    """The parameters of one Image API request, apart from the service it goes to."""

    region: str = "full"
    size: str = IMAGE_SIZE
    rotation: str = "0"
    quality: str = "default"
    format: str = "jpg"

    def url(self, service: ImageService) -> str:
        """The request in the syntax of the service's version (`max`/`full`,
        `default`/`native`)."""
        size, quality = self.size, self.quality
        if service.version == 3 and size == "full":
            size = "max"
        if service.version < 3 and size == "max":
            size = "full"
        if service.version == 1 and quality == "default":
            quality = "native"
        if service.version > 1 and quality == "native":
            quality = "default"
        return f"{service.id}/{self.region}/{size}/{self.rotation}/{quality}.{self.format}"

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


def check_size(size: str) -> str:
    """`size` unchanged when it is IIIF size syntax that asks for at least one pixel, else
    IIIFError naming the forms: every command that takes a size checks it once, at its start."""
    w, h = target_size(size, 1000, 1000)
    if w < 1 or h < 1 or size.strip().lstrip("^").startswith("pct:-"):
        raise IIIFError(f"bad size {size!r}: it asks for no pixels")
    return size


def fit_limits(w: int, h: int, width: int, height: int, info: ImageInfo | None) -> tuple[int, int]:
    """`w` x `h` scaled down (aspect kept) so it neither upscales `width` x `height` (servers
    refuse that) nor passes info.json's maxWidth/maxHeight/maxArea."""
    scale = min(1.0, width / w, height / h)
    limit_w = info.max_width if info else None
    limit_h = info.limit_height if info else None
    if limit_w:
        scale = min(scale, limit_w / w)
    if limit_h:
        scale = min(scale, limit_h / h)
    if info and info.max_area and w * h > info.max_area:
        scale = min(scale, math.sqrt(info.max_area / (w * h)))
    if scale >= 1.0:
        return w, h
    new_w = max(1, min(limit_w or width, width, round(w * scale)))
    new_h = max(1, min(limit_h or height, height, round(h * scale)))
    while info and info.max_area and new_w * new_h > info.max_area:
        new_w, new_h = max(1, new_w - 1), max(1, round(new_h * (new_w - 1) / new_w))
    whole_allowed = (
        (not limit_w or width <= limit_w)
        and (not limit_h or height <= limit_h)
        and not (info and info.max_area and width * height > info.max_area)
    )
    if whole_allowed and abs(new_w - width) <= 1 and abs(new_h - height) <= 1:
        return width, height  # a pixel of rounding short of the whole image: the whole image
    return new_w, new_h


def clamp_size(size: str, info: ImageInfo) -> str:
    """The size to request so the server will answer: never larger than the original
    (servers answer 403 to upscaling) nor than `maxWidth`/`maxHeight`/`maxArea`.

    Returns `size` unchanged when it already fits, else an explicit `w,h`.
    """
    w, h = target_size(size, info.width, info.height)
    new_w, new_h = fit_limits(w, h, info.width, info.height, info)
    if (new_w, new_h) == (w, h):
        return size
    return f"{new_w},{new_h}"
