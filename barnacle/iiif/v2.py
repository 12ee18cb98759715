"""IIIF Presentation 2.1: tolerant models that keep unknown fields."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from barnacle.iiif.image_api import ImageService
from barnacle.iiif.labels import best_label
from barnacle.iiif.pages import ManifestPages, MemberRef, PageImage, canvas_page


class _V2(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str | None = Field(default=None, alias="@id")
    type: str | None = Field(default=None, alias="@type")
    label: Any = None


class ImageResource(_V2):
    format: str | None = None
    width: int | None = None
    height: int | None = None
    service: Any = None
    # A Choice (oa:Choice) keeps its options in `default`/`item`.
    default: dict[str, Any] | None = None


class ImageAnnotation(_V2):
    motivation: str | None = None
    resource: ImageResource | None = None
    on: Any = None


class Canvas(_V2):
    width: int | None = None
    height: int | None = None
    images: list[ImageAnnotation] = []

    def page(self, index: int) -> PageImage:
        images: list[tuple[ImageService | None, str | None]] = []
        for annotation in self.images:
            resource = annotation.resource
            if resource is None:
                continue
            if resource.service is None and resource.default:
                resource = ImageResource.model_validate(resource.default)
            images.append((ImageService.from_json(resource.service), resource.id))
        size = (self.width, self.height)
        return canvas_page(index, self.id, best_label(self.label), size, images)


class Sequence(_V2):
    canvases: list[Canvas] = []


class Manifest(_V2):
    sequences: list[Sequence] = []

    def pages(self) -> ManifestPages:
        notes = []
        canvases: list[Canvas] = []
        if self.sequences:
            canvases = self.sequences[0].canvases
            if len(self.sequences) > 1:
                notes.append(
                    f"manifest has {len(self.sequences)} sequences; using the first, as viewers do"
                )
        else:
            notes.append("manifest has no sequences")
        return ManifestPages(
            manifest_id=self.id or "",
            version=2,
            label=best_label(self.label),
            pages=[canvas.page(i) for i, canvas in enumerate(canvases)],
            notes=notes,
        )


def _ref(item: Any, default_kind: str) -> MemberRef | None:
    if isinstance(item, str):
        return MemberRef(id=item, kind=default_kind)
    if not isinstance(item, dict):
        return None
    ident = item.get("@id") or item.get("id")
    if not isinstance(ident, str):
        return None
    type_ = str(item.get("@type") or item.get("type") or "")
    kind = default_kind
    if "Collection" in type_:
        kind = "collection"
    elif "Manifest" in type_:
        kind = "manifest"
    nested = kind == "collection" and any(
        key in item for key in ("manifests", "collections", "members", "first")
    )
    return MemberRef(
        id=ident, kind=kind, label=best_label(item.get("label")), embedded=item if nested else None
    )


class Collection(_V2):
    manifests: list[Any] = []
    collections: list[Any] = []
    members: list[Any] = []
    first: Any = None
    next: Any = None
    total: int | None = None

    def member_refs(self) -> list[MemberRef]:
        refs = [_ref(m, "manifest") for m in self.manifests]
        refs += [_ref(c, "collection") for c in self.collections]
        refs += [_ref(m, "manifest") for m in self.members]
        return [ref for ref in refs if ref is not None]

    def page_links(self) -> list[str]:
        """Paged collections: the `first` and `next` pages to fetch (v2 paging)."""
        links = []
        for value in (self.first, self.next):
            if isinstance(value, str):
                links.append(value)
            elif isinstance(value, dict) and isinstance(value.get("@id"), str):
                links.append(value["@id"])
        return links
