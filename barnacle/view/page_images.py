"""Page images for the local view from the run's image cache, so the viewer shows the pages
when their image server cannot be reached (a compute node without internet, a server down).

The cache (CACHE_DIR, barnacle.images.cache) holds each image the OCR read, keyed by the URL
in the page record's `image_url`. The derived manifest served by `make view` gets, for each
canvas whose image is there, a painting body whose image service is `/image/<sha1>/<canvas
index>` on the view server instead of the source's; the exported files on disk, the ones for
publication, keep pointing at the source. Canvases the cache lacks, whose record shows only a
region or rotation of the source image, or that paint more than one image keep the source.

That service is a level 0 IIIF Image API 3 service declaring one size, the canvas's, and
answering any request of the whole image with the cached file, so the image's pixels are the
canvas's units as OpenSeadragon sees them (Mirador 4.0.0 alone drew the line boxes in the
image's pixels: see overlay.py). The cached image is the size the OCR asked for (often
smaller than the source's largest), so zooming in stops at that detail.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel

from barnacle.export.iiif import canvas_size, dumps
from barnacle.images.cache import ImageCache
from barnacle.run_folder import RunFolder
from barnacle.view.derived import DerivedIIIF

ROUTE = "image"  # /image/<sha1>/<canvas index>: a level 0 image service
IMAGE_CONTEXT = "http://iiif.io/api/image/3/context.json"
# What browsers show as a plain image (PIL format -> MIME type); others keep the source.
BROWSER_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
}


class PageSource(BaseModel):
    """What a page record says about the image the OCR read."""

    canvas_index: int
    canvas_id: str
    image_url: str
    width: int
    height: int
    whole: bool  # the whole source image, unrotated (no selector region or rotation)


class CachedImage(BaseModel):
    path: Path
    content_type: str

    @property
    def extension(self) -> str:
        return "jpg" if self.content_type == "image/jpeg" else self.content_type.split("/")[1]


def read_sources(jsonl: Path) -> dict[int, PageSource]:
    """canvas index -> image facts of each page record in `jsonl` (lines that are not a
    page record are passed over: the export names them)."""
    sources: dict[int, PageSource] = {}
    with jsonl.open("rb") as handle:
        for raw in handle:
            try:
                record = json.loads(raw)
                image = record["image"]
                source = PageSource(
                    canvas_index=record["canvas_index"],
                    canvas_id=record["canvas_id"],
                    image_url=record["image_url"],
                    width=image["width"],
                    height=image["height"],
                    whole=not image.get("region") and not image.get("rotation"),
                )
            except (ValueError, TypeError, KeyError, AttributeError):
                continue
            sources[source.canvas_index] = source
    return sources


def browser_type(path: Path) -> str | None:
    """The MIME type of the image at `path` when browsers show it, else None."""
    try:
        with Image.open(path) as image:
            return BROWSER_FORMATS.get(image.format or "")
    except (OSError, UnidentifiedImageError):
        return None


class PageImages:
    """The cached page images of a run's finished manifests, read through their records."""

    def __init__(self, run_dir: Path, derived: DerivedIIIF) -> None:
        self.run_dir = run_dir
        self.derived = derived
        self.cache = ImageCache(derived.cache_dir, offline=True)
        self._lock = threading.Lock()
        self._sources: dict[str, tuple[int, dict[int, PageSource]]] = {}

    def sources(self, sha1: str) -> dict[int, PageSource]:
        """The page sources of `sha1`, reread when its JSONL changed; empty without one."""
        jsonl = RunFolder(self.run_dir).output(sha1)
        try:
            stamp = jsonl.stat().st_mtime_ns
        except FileNotFoundError:
            return {}
        with self._lock:
            cached = self._sources.get(sha1)
            if cached and cached[0] == stamp:
                return cached[1]
        sources = read_sources(jsonl)
        with self._lock:
            self._sources[sha1] = (stamp, sources)
        return sources

    def cached(self, sha1: str, index: int) -> CachedImage | None:
        """The cached image of page `index` of `sha1`, when the cache has it in a format
        browsers show and it is the whole source image."""
        source = self.sources(sha1).get(index)
        if source is None or not source.whole:
            return None
        path = self.cache.get(source.image_url)
        kind = browser_type(path) if path else None
        if path is None or kind is None:
            return None
        return CachedImage(path=path, content_type=kind)

    def info(self, sha1: str, index: int, base: str) -> dict[str, Any] | None:
        """The info.json of page `index`'s service on the view server at `base`: the size of
        its canvas in the derived manifest; None when there is no such page."""
        source = self.sources(sha1).get(index)
        sizes = self.derived.canvas_sizes(sha1, f"{base}/iiif/") if source else {}
        size = sizes.get(source.canvas_id) if source else None
        if size is None:
            return None
        width, height = size
        return {
            "@context": IMAGE_CONTEXT,
            "id": f"{base}/{ROUTE}/{sha1}/{index}",
            "type": "ImageService3",
            "protocol": "http://iiif.io/api/image",
            "profile": "level0",
            "width": width,
            "height": height,
            "sizes": [{"width": width, "height": height}],
        }

    def reply(self, sha1: str, index: int, what: str, base: str) -> tuple[bytes, str] | None:
        """Body and content type of `what` (info.json, or an image request, all answered with
        the cached image) of page `index`'s service; None when the cache lacks the page."""
        image = self.cached(sha1, index)
        info = self.info(sha1, index, base) if image else None
        if image is None or info is None:
            return None
        if what == "info.json":
            return json.dumps(info, indent=1).encode(), "application/ld+json;charset=utf-8"
        return image.path.read_bytes(), image.content_type

    def localize(self, manifest: bytes, sha1: str, base: str) -> bytes:
        """The derived manifest with each canvas whose image is cached painted from
        `base`/image/<sha1>/<index>; the bytes unchanged when there is none."""
        try:
            data = json.loads(manifest)
        except ValueError:
            return manifest
        canvases = data.get("items") if isinstance(data, dict) else None
        by_canvas = {s.canvas_id: s for s in self.sources(sha1).values()}
        changed = False
        for canvas in canvases if isinstance(canvases, list) else []:
            if not isinstance(canvas, dict):
                continue
            source = by_canvas.get(str(canvas.get("id")))
            painting = _single_painting(canvas)
            image = self.cached(sha1, source.canvas_index) if source and painting else None
            size = canvas_size(canvas)
            if painting is None or image is None or source is None or size is None:
                continue
            service = f"{base}/{ROUTE}/{sha1}/{source.canvas_index}"
            painting["body"] = {
                "id": f"{service}/full/max/0/default.{image.extension}",
                "type": "Image",
                "format": image.content_type,
                "width": size[0],
                "height": size[1],
                "service": [{"id": service, "type": "ImageService3", "profile": "level0"}],
            }
            changed = True
        if not changed:
            return manifest
        try:
            return dumps(data)
        except UnicodeEncodeError:  # text that cannot be encoded: serve what was exported
            return manifest


def _single_painting(canvas: dict[str, Any]) -> dict[str, Any] | None:
    """The canvas's painting annotation when it is the only one and paints one image."""
    annotations = [
        annotation
        for page in canvas.get("items") or []
        if isinstance(page, dict)
        for annotation in page.get("items") or []
        if isinstance(annotation, dict)
    ]
    if len(annotations) != 1:
        return None
    body = annotations[0].get("body")
    body = body[0] if isinstance(body, list) and len(body) == 1 else body
    if not isinstance(body, dict) or body.get("type") not in ("Image", "SpecificResource"):
        return None
    return annotations[0]
