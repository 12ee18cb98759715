"""Canvas -> image request: the URL to ask for, in the forms the service's Image API version
and compliance level guarantee, bounded by what its info.json says.

What each level guarantees (compliance documents of Image API 1.1, 2.1 and 3.0):

| version | level 0                      | level 1                          | level 2          |
|---------|------------------------------|----------------------------------|------------------|
| 1.1     | `full` (+ scale_factors)     | region `x,y,w,h`; `w,` `,h`; 90s | `!w,h`, `w,h`    |
| 2.1     | `full` + listed `sizes` (`w,`) | region `x,y,w,h`; `w,` `,h`    | `!w,h`, `w,h`, 90s |
| 3.0     | `max` + listed `sizes` (`w,h`) | region `x,y,w,h`; `w,` `,h`    | `!w,h`, `w,h`, 90s |

Quality is `native` in 1.x and `default` after. A service whose level neither the manifest
nor info.json gives is asked as level 2 (what nearly every server is), and the worker falls
back to the level 0 request when it is refused.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from barnacle.iiif.image_api import (
    ApiVersion,
    ImageInfo,
    ImageRequest,
    ImageService,
    fit_limits,
    target_size,
)

ASSUMED_LEVEL = 2
SIZE_TOLERANCE = 2  # pixels: a listed size this much above the target still counts as within


class Region(BaseModel):
    """A rectangle of the source image, in its full-size pixels."""

    x: int = Field(ge=0)
    y: int = Field(ge=0)
    w: int = Field(gt=0)
    h: int = Field(gt=0)

    def __str__(self) -> str:
        return f"{self.x},{self.y},{self.w},{self.h}"

    def clipped(self, width: int, height: int) -> Region | None:
        """This region inside a `width` x `height` image; None when it lies outside."""
        x2, y2 = min(self.x + self.w, width), min(self.y + self.h, height)
        if self.x >= width or self.y >= height or x2 <= self.x or y2 <= self.y:
            return None
        return Region(x=self.x, y=self.y, w=x2 - self.x, h=y2 - self.y)


class PlannedRequest(BaseModel):
    """One image request and what it means for the page: which region and rotation of the
    source it shows and the size expected back (None when the image size is unknown)."""

    url: str
    request: ImageRequest
    level: int
    level_given: bool
    region: str | None = None  # "x,y,w,h" of the source that the image shows; None: all of it
    rotation: int = 0  # degrees clockwise that the server applied
    expected: tuple[int, int] | None = None
    notes: list[str] = []


def full_size_token(version: ApiVersion) -> str:
    """The whole-image size every level answers: `max` in 3.0, `full` before."""
    return "max" if version == 3 else "full"


def _quality(version: ApiVersion) -> str:
    return "native" if version == 1 else "default"


def _listed_sizes(info: ImageInfo | None, version: ApiVersion) -> list[tuple[int, int]]:
    """The whole-image sizes a level 0 server must answer: `sizes` (2.x, 3.0), or the sizes
    that 1.1's `scale_factors` give."""
    if info is None:
        return []
    sizes = {(s.width, s.height) for s in info.sizes}
    if version == 1:
        for factor in info.scale_factors:
            sizes.add((-(-info.width // factor), -(-info.height // factor)))
    return sorted(sizes)


def _listed_token(size: tuple[int, int], version: ApiVersion) -> str:
    """A listed size as asked: `w,h` in 3.0; `w,` in 1.x and 2.x (2.1's canonical form)."""
    return f"{size[0]},{size[1]}" if version == 3 else f"{size[0]},"


def _level0_size(
    target: tuple[int, int] | None,
    whole: tuple[int, int] | None,
    info: ImageInfo | None,
    version: ApiVersion,
) -> tuple[str, tuple[int, int] | None, str | None]:
    """(size, expected size, note) at level 0: the whole image when it fits the target, else
    the largest listed size within the target, else the smallest listed size."""
    full = full_size_token(version)
    listed = [s for s in _listed_sizes(info, version) if whole is None or s != whole]
    if target is None or whole is None or (whole[0] <= target[0] and whole[1] <= target[1]):
        return full, whole, None
    if not listed:
        note = f"level 0 service lists no sizes: fetching the whole image ({whole[0]}x{whole[1]})"
        return full, whole, note
    within = [
        s
        for s in listed
        if s[0] <= target[0] + SIZE_TOLERANCE and s[1] <= target[1] + SIZE_TOLERANCE
    ]
    chosen = max(within) if within else min(listed)
    return _listed_token(chosen, version), chosen, None


def _level1_size(
    fitted: tuple[int, int], region_size: tuple[int, int], info: ImageInfo | None
) -> str:
    """`w,` unless the height the server would compute from it passes a height limit, then
    `,h`: both are level 1 in every version."""
    w, h = fitted
    rw, rh = region_size
    height_from_w = round(rh * w / rw)
    limit_h = info.limit_height if info else None
    if height_from_w > h and (limit_h is not None and height_from_w > limit_h):
        return f",{h}"
    if info and info.max_area and w * height_from_w > info.max_area:
        return f",{h}"
    return f"{w},"


def _whole_size(
    info: ImageInfo | None, source_size: tuple[int | None, int | None]
) -> tuple[int, int] | None:
    """The image's full size: from info.json, else from the manifest, else unknown."""
    if info is not None:
        return (info.width, info.height)
    if source_size[0] and source_size[1]:
        return (int(source_size[0]), int(source_size[1]))
    return None


def _region_asked(
    region: Region | None, whole: tuple[int, int] | None, level: int, notes: list[str]
) -> tuple[str, Region | None]:
    """(region as asked, region applied): `full` unless a selector region inside the image,
    not all of it, is asked of a level 1 or 2 service; why not, in `notes`."""
    if region is None:
        return "full", None
    inside = region.clipped(*whole) if whole else region
    if inside is None:
        notes.append(f"selector region {region} lies outside the image: fetched all of it")
    elif whole and (inside.w, inside.h) == whole:
        pass  # the whole image: ask for `full`
    elif level >= 1:
        return str(inside), inside
    else:
        notes.append(
            f"level 0 service: selector region {region} not applied, fetched the whole image"
        )
    return "full", None


def _rotation_asked(
    rotation: int, level: int, version: ApiVersion, notes: list[str]
) -> tuple[str, int]:
    """(rotation as asked, degrees applied): a quarter turn where the level allows it (level 2,
    or level 1 in 1.1); why not, in `notes`."""
    rotation = rotation % 360
    if not rotation:
        return "0", 0
    if rotation in (90, 180, 270) and (level >= 2 or (version == 1 and level >= 1)):
        return str(rotation), rotation
    notes.append(f"selector rotation {rotation} is beyond this service's level {level}")
    return "0", 0


def _size_asked(
    wanted: str,
    level: int,
    version: ApiVersion,
    region_size: tuple[int, int] | None,
    info: ImageInfo | None,
    notes: list[str],
) -> tuple[str, tuple[int, int] | None]:
    """(size as asked, size expected back) for `wanted` of a region of `region_size`, in
    what the level guarantees, within the limits info.json gives."""
    target = fitted = None
    if region_size is not None:
        target = target_size(wanted, *region_size)
        fitted = fit_limits(*target, *region_size, info)
    else:
        target_size(wanted, 1000, 1000)  # a malformed size fails here too

    full = full_size_token(version)
    expected: tuple[int, int] | None
    if level == 0:
        size, expected, note = _level0_size(fitted, region_size, info, version)
        if note:
            notes.append(note)
    elif fitted is None or region_size is None:
        size = wanted if level >= 2 else full
        expected = None
        if level < 2:
            notes.append(f"image size unknown: asked level {level} service for {full}")
    elif fitted == region_size:
        size, expected = full, region_size
        if level >= 2 and wanted not in ("full", "max") and fitted == target:
            size = wanted  # fits as asked: keep the user's form (!w,h is level 2)
    elif level == 1:
        size, expected = _level1_size(fitted, region_size, info), fitted
    elif fitted == target:
        size, expected = (wanted if wanted not in ("full", "max") else full), fitted
    else:
        size, expected = f"{fitted[0]},{fitted[1]}", fitted
    if size in ("full", "max"):
        size = full
    return size, expected


def plan_request(
    service: ImageService,
    wanted: str,
    info: ImageInfo | None = None,
    source_size: tuple[int | None, int | None] = (None, None),
    region: Region | None = None,
    rotation: int = 0,
) -> PlannedRequest:
    """The request for `wanted` (a size as users give it, e.g. `!3000,3000`) of `region` of
    the service's image, rotated by `rotation`, in what the service's level guarantees.

    The image's size comes from info.json, else from the manifest (`source_size`). The
    level comes from info.json, else from the manifest, else ASSUMED_LEVEL (noted).
    Raises IIIFError for a malformed `wanted`.
    """
    version = service.version
    given = info.level if info is not None and info.level is not None else service.level
    level = ASSUMED_LEVEL if given is None else given
    notes: list[str] = []
    whole = _whole_size(info, source_size)
    region_text, applied_region = _region_asked(region, whole, level, notes)
    rotation_text, applied_rotation = _rotation_asked(rotation, level, version, notes)
    if applied_region is not None:
        region_size: tuple[int, int] | None = (applied_region.w, applied_region.h)
    else:
        region_size = whole
    size, expected = _size_asked(wanted, level, version, region_size, info, notes)
    if expected is not None and applied_rotation in (90, 270):
        expected = (expected[1], expected[0])
    request = ImageRequest(
        region=region_text, size=size, rotation=rotation_text, quality=_quality(version)
    )
    return PlannedRequest(
        url=request.url(service),
        request=request,
        level=level,
        level_given=given is not None,
        region=str(applied_region) if applied_region else None,
        rotation=applied_rotation,
        expected=expected,
        notes=notes,
    )


def level0_request(service: ImageService, info: ImageInfo | None = None) -> PlannedRequest:
    """The request every level answers: the whole image, unrotated, at `full` (1.x, 2.x) or
    `max` (3.0). The fallback when a server refuses what its level should have answered."""
    version = service.version
    request = ImageRequest(size=full_size_token(version), quality=_quality(version))
    expected = (info.width, info.height) if info is not None else None
    if info is not None and (info.max_width or info.max_area):
        expected = None  # `max` may be smaller than the image
    return PlannedRequest(
        url=request.url(service),
        request=request,
        level=0,
        level_given=True,
        expected=expected,
    )
