"""`barnacle image-urls` (once `barnacle pages`): the dry run of a manifest. For each canvas,
the image service (its Image API version and compliance level) and the exact image URL the
worker would download, or why the canvas is skipped. Only the manifest and info.json
documents are requested."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from barnacle.http_client import FetchError, get_json
from barnacle.iiif import IIIFError, ImageRequest, PageImage, manifest_from_json
from barnacle.iiif.image_api import check_size
from barnacle.images.info import size_page_request
from barnacle.validate import load_source


class CanvasPlan(BaseModel):
    """One canvas of the dry run: the URL the worker would fetch, or why it would not."""

    index: int
    canvas_id: str
    label: str = ""
    service: str | None = None
    api_version: int | None = None
    level: int | None = None  # as used: from info.json, else the manifest, else assumed
    level_given: bool | None = None  # False: neither info.json nor the manifest gives it
    url: str | None = None
    skipped: str | None = None
    notes: list[str] = []

    def lines(self) -> list[str]:
        out = [f"#{self.index} {self.label or '(no label)'}  {self.canvas_id}"]
        if self.service:
            level = f"level {self.level}" + ("" if self.level_given else " (not given: assumed)")
            out.append(f"    service: {self.service} (Image API {self.api_version}, {level})")
        out.append(f"    url: {self.url}" if self.url else f"    skipped: {self.skipped}")
        out += [f"    note: {note}" for note in self.notes]
        return out


class DryRun(BaseModel):
    source: str
    label: str = ""
    version: int | None = None
    size: str
    canvases: list[CanvasPlan] = []
    error: str | None = None

    @property
    def urls(self) -> int:
        return sum(1 for canvas in self.canvases if canvas.url)

    def lines(self) -> list[str]:
        if self.error:
            return [f"INVALID {self.source}", f"  error: {self.error}"]
        head = f"{self.source}: IIIF Presentation {self.version} Manifest {self.label!r}"
        out = [head, f"  size asked: {self.size}"]
        for canvas in self.canvases:
            out += ["  " + line for line in canvas.lines()]
        skipped = len(self.canvases) - self.urls
        out.append(f"{self.urls} image URLs, {skipped} canvases skipped")
        return out


def _plan(page: PageImage, request: ImageRequest) -> CanvasPlan:
    row = CanvasPlan(index=page.index, canvas_id=page.canvas_id, label=page.label)
    if page.service is not None:
        row.service, row.api_version = page.service.id, page.service.version
    if page.problem:
        row.skipped = f"canvas cannot be read: {page.problem}"
        return row
    sized = size_page_request(page, request)
    if sized is None:
        row.skipped = page.warning or "canvas has no image"
        return row
    row.url = sized.url
    if sized.service is not None:
        row.api_version = sized.service.version  # as requested: info.json's word first
    row.notes = [note for note in [sized.note, *page.notes] if note]
    if sized.planned is not None:
        row.level, row.level_given = sized.planned.level, sized.planned.level_given
        row.notes += sized.planned.notes
    return row


def dry_run(source: str, size: str, get: Callable[[str], Any] = get_json) -> DryRun:
    """The dry run of the manifest at `source` (URL or file). Raises IIIFError for a
    malformed `size`."""
    check_size(size)  # a malformed size is the user's error, said at once
    try:
        pages = manifest_from_json(load_source(source, get)).pages()
    except (FetchError, IIIFError) as err:
        return DryRun(source=source, size=size, error=str(err))
    request = ImageRequest(size=size)
    rows = [_plan(page, request) for page in pages.pages]
    rows += [
        CanvasPlan(index=s.index, canvas_id=s.canvas_id, label=s.label, skipped=s.reason)
        for s in pages.skipped
    ]
    rows.sort(key=lambda row: row.index)
    return DryRun(source=source, label=pages.label, version=pages.version, size=size, canvases=rows)
