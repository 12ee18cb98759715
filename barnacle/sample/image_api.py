"""IIIF Image API 1.1, 2.1 and 3.0 for the sample images, on the ``iiif`` reference package.

Request parsing is :class:`iiif.request.IIIFRequest`, pixels come from
:class:`iiif.manipulator_pil.IIIFManipulatorPIL` and ``info.json`` from
:class:`iiif.info.IIIFInfo`. The package predates Flask 3 and current Pillow, so the
wiring is ours, and a small manipulator subclass:

* encodes into memory instead of a temporary file,
* converts modes JPEG cannot hold (RGBA, LA, P, I;16 ...) before encoding,
* refuses upscaling in API 2.x and anything beyond ``maxWidth``/``maxHeight`` with 403
  (API 3.0 upscaling without ``^`` is the package's 400, as the 3.0 spec asks).

``info.json`` carries ``maxWidth`` and ``maxHeight`` so clients can clamp. A level 0 image
is served as a static set of files would be: its info.json lists `sizes` (no tiles, no
limits), and any request other than the whole image or a listed size is a 404, as a web
server answers for a file that does not exist.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iiif.error import IIIFError
from iiif.info import IIIFInfo
from iiif.manipulator_pil import IIIFManipulatorPIL
from iiif.request import IIIFRequest

from barnacle.sample.books import image_size

API_VERSIONS: dict[int, str] = {1: "1.1", 2: "2.1", 3: "3.0"}
STATIC_MIN_SIZE = 64  # the smallest listed size of a static (level 0) image
DEFAULT_MAX_SIZE = 3000
TILE_SIZE = 512

_FORMATS: dict[str, tuple[str, str]] = {
    "jpg": ("JPEG", "image/jpeg"),
    "png": ("PNG", "image/png"),
    "webp": ("WEBP", "image/webp"),
}
_JPEG_MODES = ("1", "L", "RGB", "CMYK")
# Pillow's default JPEG quality (75) visibly softens small print; pages are for OCR.
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {"JPEG": {"quality": 90}}


@dataclass
class Reply:
    """An HTTP answer, independent of the web framework."""

    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


def error_reply(err: IIIFError) -> Reply:
    """The text/plain answer for an IIIF error, with its status code."""
    return Reply(
        status=err.code,
        body=err.as_txt().encode("utf-8"),
        content_type="text/plain; charset=utf-8",
        headers={str(k): str(v) for k, v in dict(err.headers).items()},
    )


class SampleManipulator(IIIFManipulatorPIL):  # type: ignore[misc]  # iiif ships no types
    """IIIFManipulatorPIL that writes into memory and enforces the server's limits."""

    def __init__(self, api_version: str, max_width: int, max_height: int) -> None:
        super().__init__(api_version=api_version)
        self.max_width = max_width
        self.max_height = max_height
        self.output: bytes = b""
        self.mime_type: str = ""

    def do_size(self, w: int | None, h: int | None) -> None:
        if w is not None and h is not None:
            if self.api_version < "3.0" and (w > self.width or h > self.height):
                raise IIIFError(
                    code=403,
                    parameter="size",
                    text=f"Upscaling is not supported: {w}x{h} is larger than the "
                    f"{self.width}x{self.height} region.",
                )
            self._check_limits(w, h)
        else:
            self._check_limits(self.width, self.height)
        super().do_size(w, h)

    def _check_limits(self, w: int, h: int) -> None:
        if w > self.max_width or h > self.max_height:
            raise IIIFError(
                code=403,
                parameter="size",
                text=f"Requested size {w}x{h} exceeds maxWidth {self.max_width} / "
                f"maxHeight {self.max_height}; ask for a smaller size (e.g. 'max').",
            )

    def do_format(self, format: str | None) -> None:
        fmt = "jpg" if format is None else format
        if fmt not in _FORMATS:
            raise IIIFError(
                code=415,
                parameter="format",
                text=f"Unsupported output format ({fmt}); use one of {', '.join(_FORMATS)}.",
            )
        pil_format, self.mime_type = _FORMATS[fmt]
        image = self.image
        assert image is not None
        if pil_format == "JPEG" and image.mode not in _JPEG_MODES:
            image = image.convert("L" if image.mode in ("LA", "I", "I;16", "F") else "RGB")
        buffer = io.BytesIO()
        try:
            image.save(buffer, format=pil_format, **_SAVE_OPTIONS.get(pil_format, {}))
        except (OSError, ValueError) as err:
            raise IIIFError(code=500, parameter="format", text=f"Encoding failed: {err}") from err
        self.output = buffer.getvalue()


@dataclass
class ImageServer:
    """Answers Image API requests for image files; the caller resolves identifiers."""

    max_width: int = DEFAULT_MAX_SIZE
    max_height: int = DEFAULT_MAX_SIZE

    def info(
        self, api: int, service_id: str, path: Path, width: int, height: int, level: int = 2
    ) -> Reply:
        """``info.json`` for the image at `path` (already known to exist)."""
        version = API_VERSIONS[api]
        server_and_prefix, _, identifier = service_id.rpartition("/")
        kwargs: dict[str, Any] = {
            "api_version": version,
            "level": level,
            "server_and_prefix": server_and_prefix,
            "identifier": identifier,
            "width": width,
            "height": height,
        }
        if api == 1:
            data = json.loads(IIIFInfo(**kwargs).as_json())
            data["formats"], data["qualities"] = list(_FORMATS), ["native", "grey", "bitonal"]
            return _info_reply(data, api)
        if level == 0:
            kwargs["sizes"] = static_sizes(width, height)
            return _info_reply(json.loads(IIIFInfo(**kwargs).as_json()), api)
        kwargs["tiles"] = [{"width": TILE_SIZE, "scaleFactors": _scale_factors(width, height)}]
        kwargs["sizes"] = _sizes(width, height, self.max_width, self.max_height)
        if api == 2:
            kwargs["formats"] = list(_FORMATS)
            kwargs["qualities"] = ["default", "color", "gray", "bitonal"]
        else:
            kwargs["extra_formats"] = ["webp"]
            kwargs["extra_qualities"] = ["color", "gray", "bitonal"]
            kwargs["extra_features"] = ["rotationArbitrary", "sizeUpscaling"]
        data = json.loads(IIIFInfo(**kwargs).as_json())
        data["maxWidth"] = self.max_width
        data["maxHeight"] = self.max_height
        return _info_reply(data, api)

    def image(
        self,
        api: int,
        identifier: str,
        path: Path,
        region: str,
        size: str,
        rotation: str,
        quality_format: str,
        level: int = 2,
    ) -> Reply:
        """The image request ``region/size/rotation/quality.format`` for the file at `path`.

        At level 0 only the files a static set holds exist: the whole image and the listed
        sizes (404 for anything else)."""
        version = API_VERSIONS[api]
        max_width, max_height = self.max_width, self.max_height
        if level == 0:
            if not _static_file(api, image_size(path), region, size, rotation, quality_format):
                text = f"No such file: {region}/{size}/{rotation}/{quality_format}"
                return Reply(404, text.encode() + b"\n", "text/plain; charset=utf-8")
            max_width = max_height = 1 << 30  # static files: no limits but the files there are
        request = IIIFRequest(
            api_version=version,
            identifier=identifier,
            region=region,
            size=size,
            rotation=rotation,
            info=False,
        )
        manipulator = SampleManipulator(version, max_width, max_height)
        try:
            request.quality = request.strip_format(quality_format)
            request.parse_parameters()
            manipulator.derive(srcfile=str(path), request=request)
        except IIIFError as err:
            return error_reply(err)
        finally:
            manipulator.cleanup()
        return Reply(status=200, body=manipulator.output, content_type=manipulator.mime_type)


def _info_reply(data: dict[str, Any], api: int) -> Reply:
    if api == 3:
        content_type = 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"'
    else:
        content_type = "application/json"
    body = json.dumps(data, indent=2, sort_keys=True).encode("utf-8")
    return Reply(status=200, body=body, content_type=content_type)


def static_sizes(width: int, height: int) -> list[dict[str, int]]:
    """The sizes a static (level 0) set holds: the image halved down to STATIC_MIN_SIZE,
    smallest first (the whole image is `full`/`max`, not listed)."""
    sizes: list[dict[str, int]] = []
    w, h = (width + 1) // 2, (height + 1) // 2
    while w >= STATIC_MIN_SIZE and h >= STATIC_MIN_SIZE:
        sizes.append({"width": w, "height": h})
        w, h = (w + 1) // 2, (h + 1) // 2
    return sorted(sizes, key=lambda s: s["width"])


def _static_file(
    api: int, size_of: tuple[int, int], region: str, size: str, rotation: str, qf: str
) -> bool:
    """Whether a static level 0 set holds this file: region `full`, rotation 0, quality
    default (native in 1.1) as jpg, and the whole image or a listed size (`w,` in 1.x/2.x,
    2.1's `w,h` too, `w,h` in 3.0)."""
    quality = "native" if api == 1 else "default"
    if region != "full" or rotation != "0" or qf != f"{quality}.jpg":
        return False
    if size == ("max" if api == 3 else "full"):
        return True
    listed = static_sizes(*size_of)
    forms = {f"{s['width']},{s['height']}" for s in listed}
    if api < 3:
        forms |= {f"{s['width']}," for s in listed}
    return size in forms


def _scale_factors(width: int, height: int) -> list[int]:
    factors = [1]
    while TILE_SIZE * factors[-1] < max(width, height):
        factors.append(factors[-1] * 2)
    return factors


def _sizes(width: int, height: int, max_width: int, max_height: int) -> list[dict[str, int]]:
    """Whole-image sizes worth asking for: halvings of the image, within the limits."""
    sizes: list[dict[str, int]] = []
    w, h = width, height
    while w >= 64 and h >= 64:
        if w <= max_width and h <= max_height:
            sizes.append({"width": w, "height": h})
        w, h = (w + 1) // 2, (h + 1) // 2
    return sorted(sizes, key=lambda s: s["width"])
