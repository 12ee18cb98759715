"""What the rest of Barnacle needs from a manifest: its pages, in order, with their images."""

from __future__ import annotations

from pydantic import BaseModel

from barnacle.iiif.image_api import ImageRequest, ImageService


class PageImage(BaseModel):
    """One canvas of a manifest and where its image comes from."""

    index: int
    canvas_id: str
    label: str = ""
    width: int | None = None
    height: int | None = None
    service: ImageService | None = None
    resource_url: str | None = None
    warning: str | None = None

    def image_url(self, request: ImageRequest) -> str | None:
        """The Image API URL for `request`, or the image resource's own URL without a service."""
        if self.service is not None:
            return request.url(self.service)
        return self.resource_url


NO_SERVICE = "canvas has no image service; using the image resource's own URL"


def canvas_page(
    index: int,
    canvas_id: str | None,
    label: str,
    size: tuple[int | None, int | None],
    images: list[tuple[ImageService | None, str | None]],
) -> PageImage:
    """The page for a canvas whose painted images are `images` (service, resource URL), in
    document order: the first with an image service; else the first resource URL, with a
    warning; else a page without an image."""
    common = {"index": index, "canvas_id": canvas_id or f"canvas-{index}", "label": label,
              "width": size[0], "height": size[1]}  # fmt: skip
    for service, url in images:
        if service is not None:
            return PageImage(**common, service=service, resource_url=url)
    for _, url in images:
        if url:
            return PageImage(**common, resource_url=url, warning=NO_SERVICE)
    return PageImage(**common, warning="canvas has no image")


class ManifestPages(BaseModel):
    """A manifest reduced to its label and pages, with notes about what was assumed."""

    manifest_id: str
    version: int
    label: str = ""
    pages: list[PageImage]
    notes: list[str] = []

    @property
    def pages_without_service(self) -> list[PageImage]:
        return [page for page in self.pages if page.service is None]


class MemberRef(BaseModel):
    """A manifest or sub-collection named by a collection."""

    id: str
    kind: str  # "manifest" or "collection"
    label: str = ""
    embedded: dict | None = None  # a sub-collection given inline, to walk without fetching
