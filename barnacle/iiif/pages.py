"""What the rest of Barnacle needs from a manifest: its pages, in order, with their images,
and the canvases that are not pages (sound, video, PDF) with the reason."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from barnacle.iiif.bodies import Bodies, dimension, motivation_kind, read_body
from barnacle.iiif.image_api import ImageRequest, ImageService
from barnacle.iiif.labels import best_label
from barnacle.iiif.request_plan import Region


class PageImage(BaseModel):
    """One canvas of a manifest and where its image comes from.

    `region` and `rotation` are what a SpecificResource body's selector asks of the source
    image; `problem` says why a canvas that should be a page cannot be read (the worker
    records it as the page's error)."""

    index: int
    canvas_id: str
    label: str = ""
    width: int | None = None
    height: int | None = None
    service: ImageService | None = None
    resource_url: str | None = None
    source_width: int | None = None
    source_height: int | None = None
    region: Region | None = None
    rotation: int = 0
    warning: str | None = None
    problem: str | None = None
    notes: list[str] = []

    def image_url(self, request: ImageRequest) -> str | None:
        """The Image API URL for `request`, or the image resource's own URL without a service."""
        if self.service is not None:
            return request.url(self.service)
        return self.resource_url


class SkippedCanvas(BaseModel):
    """A canvas that is not a page: what it paints is not an image."""

    index: int
    canvas_id: str
    label: str = ""
    reason: str


NO_SERVICE = "canvas has no image service; using the image resource's own URL"


def _canvas_id(raw: dict[str, Any], index: int) -> str:
    ident = raw.get("@id") or raw.get("id")
    return ident if isinstance(ident, str) and ident else f"canvas-{index}"


UNSTATED_PAINTING = (
    "the image's annotation gives no motivation: taken as the painting, as no other claims to be"
)


def _painted_bodies(annotations: list[Any]) -> tuple[Bodies, bool]:
    """What the painting annotations paint, and whether it came from annotations without a
    motivation: those count only when no annotation says `painting`."""
    painting: list[Any] = []
    unstated: list[Any] = []
    bodies = Bodies()
    for annotation in annotations:
        if not isinstance(annotation, dict):
            bodies.problems.append(f"annotation is {type(annotation).__name__}, not an object")
            continue
        kind = motivation_kind(annotation.get("motivation"))
        body = annotation.get("resource", annotation.get("body"))
        if body is not None and kind == "painting":
            painting.append(body)
        elif body is not None and kind == "unstated":
            unstated.append(body)
    for body in painting or unstated:
        read_body(body, bodies)
    return bodies, not painting and bool(unstated)


def canvas_page(index: int, raw: Any, annotations: list[Any]) -> PageImage | SkippedCanvas:
    """The page for canvas `raw` whose painting annotations are `annotations` (v2 `images`
    or the items of v3 annotation pages): the first image with a service; else the first
    image URL, with a warning; a SkippedCanvas when it paints only things that are not
    images; a page with a `problem` when its images cannot be read. Annotations with an
    empty or missing motivation paint the canvas when none says `painting`."""
    if not isinstance(raw, dict):
        return PageImage(
            index=index, canvas_id=f"canvas-{index}", problem="canvas is not an object"
        )
    canvas_id, label = _canvas_id(raw, index), best_label(raw.get("label"))
    width, note_w = dimension(raw.get("width"))
    height, note_h = dimension(raw.get("height"))
    notes = [f"canvas {note}" for note in (note_w, note_h) if note]
    bodies, unstated = _painted_bodies(annotations)
    if unstated and bodies.images:
        notes.append(UNSTATED_PAINTING)
    common: dict[str, Any] = {
        "index": index,
        "canvas_id": canvas_id,
        "label": label,
        "width": width,
        "height": height,
    }
    if not bodies.images:
        if bodies.not_images and not bodies.problems:
            reason = "paints no image: " + ", ".join(dict.fromkeys(bodies.not_images))
            return SkippedCanvas(index=index, canvas_id=canvas_id, label=label, reason=reason)
        if bodies.problems:
            return PageImage(**common, problem="; ".join(bodies.problems), notes=notes)
        return PageImage(**common, warning="canvas has no image", notes=notes)
    chosen = next((image for image in bodies.images if image.service), None)
    warning = None
    if chosen is None:
        chosen = next((image for image in bodies.images if image.url), None)
        warning = NO_SERVICE
    if chosen is None:
        return PageImage(**common, problem="painted image has neither a service nor an id")
    return PageImage(
        **common,
        service=chosen.service,
        resource_url=chosen.url,
        source_width=chosen.width,
        source_height=chosen.height,
        region=chosen.region,
        rotation=chosen.rotation,
        warning=warning,
        notes=notes + chosen.notes,
    )


class ManifestPages(BaseModel):
    """A manifest reduced to its label and pages, with notes about what was assumed."""

    manifest_id: str
    version: int
    label: str = ""
    pages: list[PageImage]
    skipped: list[SkippedCanvas] = []
    notes: list[str] = []

    @property
    def pages_without_service(self) -> list[PageImage]:
        return [page for page in self.pages if page.service is None]

    def no_pages_reason(self) -> str | None:
        """Why there is nothing to OCR (no canvases, none an image, none painting one), or
        None when some canvas is a page to try."""
        if any(p.service or p.resource_url or p.problem for p in self.pages):
            return None
        if self.pages:
            return f"no canvas paints an image ({len(self.pages)} canvases have no painting image)"
        if self.skipped:
            kinds = ", ".join(dict.fromkeys(s.reason.split(": ", 1)[-1] for s in self.skipped))
            return f"the manifest has no image canvases ({len(self.skipped)} canvases: {kinds})"
        return "the manifest has no canvases"


def split_canvases(
    results: list[PageImage | SkippedCanvas],
) -> tuple[list[PageImage], list[SkippedCanvas]]:
    pages = [r for r in results if isinstance(r, PageImage)]
    skipped = [r for r in results if isinstance(r, SkippedCanvas)]
    return pages, skipped


class MemberRef(BaseModel):
    """A manifest or sub-collection named by a collection."""

    id: str
    kind: str  # "manifest", "collection", or "other" (a Canvas, Range ...: not followed)
    label: str = ""
    type: str = ""
    # a sub-collection given inline, to walk without fetching
    embedded: dict[str, Any] | None = None
