"""A strict IIIF server on 127.0.0.1 for tests: the fixture manifests of tests/data/iiif/,
and Image API services (1.1, 2.1, 3.0 at levels 0, 1 and 2) that answer only what their
version and level guarantee, as the compliance documents of each version list them:

* 400 for any request form the level does not guarantee (a `w,` at 2.1 level 0 on a dynamic
  server, `!w,h` at level 1, `default` quality in 1.1, `full` size in 3.0, `max` in 2.1 ...),
  for sizes beyond maxWidth/maxHeight/maxArea, and for upscaling;
* 404 on a level 0 host (a static file tree) for any size it does not list, and any region;
* every request logged with its status and the bytes of the body sent, so tests can say
  that no byte of a sound, video or PDF file was downloaded.

Images are described in tests/data/iiif/images.json (name -> version, level, size, sizes,
limits, static); a service lives at `{base}/img/<name>` where <name> is one path segment
as sent (so an identifier holding `%2F` must arrive with `%2F`). Anything under
`/files/` (audio, video, PDF) is served as bytes. `{base}` in fixtures is the server's URL.
"""

from __future__ import annotations

import io
import json
import math
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from PIL import Image

from support.threaded_http import local_server, serve_in_thread

DATA = Path(__file__).resolve().parent.parent / "data" / "iiif"
FILE_BYTES = 64 * 1024  # what a sound, video or PDF file here weighs

_V1_CONTEXT = "http://library.stanford.edu/iiif/image-api/1.1/context.json"
_V1_PROFILE = "http://library.stanford.edu/iiif/image-api/1.1/compliance.html#level{}"
_PX = re.compile(r"^(\d+),(\d+),(\d+),(\d+)$")
_WH = re.compile(r"^(!)?(\d*),(\d*)$")


class Refused(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status


@dataclass
class LoggedRequest:
    path: str
    status: int
    bytes_sent: int


@dataclass
class StrictServer:
    base: str = ""
    images: dict[str, dict[str, Any]] = field(default_factory=dict)
    log: list[LoggedRequest] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    def manifest_url(self, name: str) -> str:
        return f"{self.base}/manifests/{name}"

    def fixture(self, name: str) -> Any:
        """A fixture document with `{base}` filled in."""
        return json.loads((DATA / name).read_text().replace("{base}", self.base))

    def paths(self, prefix: str = "") -> list[str]:
        return [entry.path for entry in self.log if entry.path.startswith(prefix)]

    def bytes_sent(self, prefix: str) -> int:
        return sum(entry.bytes_sent for entry in self.log if entry.path.startswith(prefix))

    def image_requests(self) -> list[LoggedRequest]:
        return [e for e in self.log if e.path.startswith("/img/") and "info.json" not in e.path]


def info_json(base: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """The info.json a server of the image's version and level would give."""
    ident = f"{base}/img/{name}"
    version, level = spec["version"], spec["level"]
    limits = {k: spec[k] for k in ("maxWidth", "maxHeight", "maxArea") if k in spec}
    common = {"width": spec["width"], "height": spec["height"]}
    if version == 1:
        doc = {
            "@context": _V1_CONTEXT,
            "@id": ident,
            **common,
            "formats": ["jpg"],
            "qualities": ["native"],
            "profile": _V1_PROFILE.format(level),
        }
        if spec.get("scale_factors"):
            doc["scale_factors"] = spec["scale_factors"]
        return doc
    if version == 2:
        doc = {
            "@context": "http://iiif.io/api/image/2/context.json",
            "@id": ident,
            "protocol": "http://iiif.io/api/image",
            **common,
            "profile": [
                f"http://iiif.io/api/image/2/level{level}.json",
                {"formats": ["jpg"], "qualities": ["default"], **limits},
            ],
        }
    else:
        doc = {
            "@context": "http://iiif.io/api/image/3/context.json",
            "id": ident,
            "type": "ImageService3",
            "protocol": "http://iiif.io/api/image",
            "profile": f"level{level}",
            **common,
            **limits,
        }
    if spec.get("sizes"):
        doc["sizes"] = [{"width": w, "height": h} for w, h in spec["sizes"]]
    return doc


def _listed(spec: dict[str, Any]) -> list[tuple[int, int]]:
    sizes = [tuple(s) for s in spec.get("sizes", [])]
    for factor in spec.get("scale_factors", []):
        sizes.append((-(-spec["width"] // factor), -(-spec["height"] // factor)))
    return sizes  # type: ignore[return-value]


def _region(spec: dict[str, Any], region: str, miss: int) -> tuple[int, int]:
    """The width and height of the region asked, within the image; raises Refused."""
    width, height, level = spec["width"], spec["height"], spec["level"]
    if region == "full":
        return width, height
    match = _PX.match(region)
    if not match or level < 1:
        raise Refused(miss, f"region {region} not supported at level {level}")
    x, y, rw, rh = (int(g) for g in match.groups())
    if x >= width or y >= height or rw == 0 or rh == 0:
        raise Refused(400, f"region {region} outside the image")
    return min(rw, width - x), min(rh, height - y)


def _rotated(
    spec: dict[str, Any], rotation: str, out: tuple[int, int], miss: int
) -> tuple[int, int]:
    """The output size after the rotation asked (by 90s only); raises Refused."""
    version, level = spec["version"], spec["level"]
    if rotation == "0":
        return out
    if rotation not in ("90", "180", "270") or level < (1 if version == 1 else 2):
        raise Refused(miss, f"rotation {rotation} not supported at level {level}")
    return (out[1], out[0]) if rotation in ("90", "270") else out


def answer(spec: dict[str, Any], region: str, size: str, rotation: str, qf: str) -> tuple[int, int]:
    """The output size of a request the image's version and level guarantee; raises Refused."""
    version, level = spec["version"], spec["level"]
    static = spec.get("static", False)
    miss = 404 if static else 400
    quality, _, fmt = qf.partition(".")
    want_quality = "native" if version == 1 else "default"
    if quality != want_quality or fmt != "jpg":
        raise Refused(miss, f"quality.format {qf} not supported (use {want_quality}.jpg)")
    rw, rh = _region(spec, region, miss)
    # Size
    full_word = "max" if version == 3 else "full"
    if size == full_word:
        out = (rw, rh)
        if version == 3:
            out = _within_limits(spec, rw, rh)
    else:
        match = _WH.match(size)
        if not match or (not match[2] and not match[3]):
            raise Refused(miss, f"size {size} not supported in Image API {version}")
        confined, w, h = match[1], match[2], match[3]
        if level == 0:
            # Listed sizes: `w,h` in 3.0; `w,h` (MUST) or the canonical `w,` (SHOULD) in 2.1;
            # `w,` from scale_factors in 1.1.
            forms = ("wh",) if version == 3 else ("w", "wh")
            form = "wh" if (w and h and not confined) else ("w" if w and not h else "other")
            hit = [
                s
                for s in _listed(spec)
                if (form == "wh" and s == (int(w), int(h))) or (form == "w" and s[0] == int(w))
            ]
            if region != "full" or not hit or form not in forms:
                raise Refused(miss, f"size {size} is not one of the listed sizes")
            out = hit[0]
        elif confined or (w and h):
            if level < 2:
                raise Refused(400, f"size {size} is beyond level {level}")
            if confined:
                scale = min(int(w) / rw, int(h) / rh)
                out = (max(1, math.floor(rw * scale)), max(1, math.floor(rh * scale)))
            else:
                out = (int(w), int(h))
        elif w:
            out = (int(w), max(1, round(rh * int(w) / rw)))
        else:
            out = (max(1, round(rw * int(h) / rh)), int(h))
        if out[0] > rw or out[1] > rh:
            raise Refused(400, f"size {size} would upscale {rw}x{rh}")
        if _within_limits(spec, *out) != out:
            raise Refused(400, f"size {size} ({out[0]}x{out[1]}) is beyond the size limits")
    return _rotated(spec, rotation, out, miss)


def _within_limits(spec: dict[str, Any], w: int, h: int) -> tuple[int, int]:
    max_w = spec.get("maxWidth")
    max_h = spec.get("maxHeight", max_w)
    scale = 1.0
    if max_w:
        scale = min(scale, max_w / w)
    if max_h:
        scale = min(scale, max_h / h)
    if spec.get("maxArea") and w * h > spec["maxArea"]:
        scale = min(scale, math.sqrt(spec["maxArea"] / (w * h)))
    if scale >= 1.0:
        return w, h
    return max(1, math.floor(w * scale)), max(1, math.floor(h * scale))


def _jpeg(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", size, 255).save(buffer, "JPEG")
    return buffer.getvalue()


@contextmanager
def strict_server() -> Iterator[StrictServer]:
    state = StrictServer(images=json.loads((DATA / "images.json").read_text()))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            # Logged before the body goes out: a client that has read the whole body may
            # look at the log at once, before this thread would get to append to it.
            entry = LoggedRequest(self.path, status, len(body))
            with lock:
                state.log.append(entry)
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                entry.bytes_sent = 0

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            path = self.path.split("?")[0]
            try:
                status, body, content_type = self._answer(path)
            except Refused as err:
                status, body, content_type = err.status, f"{err}\n".encode(), "text/plain"
            self._send(status, body, content_type)

        def _answer(self, path: str) -> tuple[int, bytes, str]:
            if path.startswith("/manifests/"):
                name = unquote(path.removeprefix("/manifests/"))
                if "/" in name or not (DATA / name).is_file():
                    raise Refused(404, f"no fixture {name}")
                text = (DATA / name).read_text().replace("{base}", state.base)
                return 200, text.encode(), "application/ld+json"
            if path.startswith("/files/"):
                kind = "application/pdf" if path.endswith(".pdf") else "application/octet-stream"
                return 200, b"\0" * FILE_BYTES, kind
            if not path.startswith("/img/"):
                raise Refused(404, "not found")
            parts = path.removeprefix("/img/").split("/")
            spec = state.images.get(unquote(parts[0]))
            if spec is None:
                raise Refused(404, f"no image {parts[0]}")
            if parts[1:] == ["info.json"]:
                if spec.get("no_info"):
                    raise Refused(404, "this static host publishes no info.json")
                doc = info_json(state.base, parts[0], spec)
                return 200, json.dumps(doc).encode(), "application/json"
            if len(parts) != 5:
                raise Refused(404 if spec.get("static") else 400, "not an image request")
            out = answer(spec, *parts[1:])
            return 200, _jpeg(out), "image/jpeg"

    with serve_in_thread(local_server(Handler)) as base:
        state.base = base
        yield state
