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
