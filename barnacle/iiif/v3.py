"""IIIF Presentation 3.0: tolerant models that keep unknown fields."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from barnacle.iiif.image_api import ImageService
from barnacle.iiif.labels import best_label
from barnacle.iiif.pages import ManifestPages, MemberRef, PageImage, canvas_page


class _V3(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str | None = None
    type: str | None = None
    label: Any = None


class Body(_V3):
    format: str | None = None
    width: int | None = None
    height: int | None = None
    service: Any = None
    items: list[Any] = []  # a Choice body lists its options here


class Annotation(_V3):
    motivation: str | list[str] | None = None
    body: Body | list[Body] | None = None
    target: Any = None

    def bodies(self) -> list[Body]:
        if self.body is None:
            return []
        bodies = self.body if isinstance(self.body, list) else [self.body]
        expanded: list[Body] = []
        for body in bodies:
            if body.type == "Choice":
                options = [item for item in body.items if isinstance(item, dict)]
                expanded += [Body.model_validate(item) for item in options]
            else:
                expanded.append(body)
        return expanded


class AnnotationPage(_V3):
    items: list[Annotation] = []


class Canvas(_V3):
    width: int | None = None
    height: int | None = None
    items: list[AnnotationPage] = []

    def page(self, index: int) -> PageImage:
        images = [
            (ImageService.from_json(body.service), body.id)
            for annotation_page in self.items
            for annotation in annotation_page.items
            for body in annotation.bodies()
        ]
        size = (self.width, self.height)
        return canvas_page(index, self.id, best_label(self.label), size, images)


class Manifest(_V3):
    items: list[Canvas] = []

    def pages(self) -> ManifestPages:
        return ManifestPages(
            manifest_id=self.id or "",
            version=3,
            label=best_label(self.label),
            pages=[canvas.page(i) for i, canvas in enumerate(self.items)],
            notes=[] if self.items else ["manifest has no canvases"],
        )


class Collection(_V3):
    items: list[Any] = Field(default_factory=list)

    def member_refs(self) -> list[MemberRef]:
        refs = []
        for item in self.items:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                continue
            kind = "collection" if item.get("type") == "Collection" else "manifest"
            refs.append(
                MemberRef(
                    id=item["id"],
                    kind=kind,
                    label=best_label(item.get("label")),
                    embedded=item if kind == "collection" and "items" in item else None,
                )
            )
        return refs

    def page_links(self) -> list[str]:
        return []
