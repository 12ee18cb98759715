"""IIIF Presentation 3.0: tolerant models that keep unknown fields."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from barnacle.iiif import pages
from barnacle.iiif.labels import best_label
from barnacle.iiif.pages import ManifestPages, MemberRef, PageImage, SkippedCanvas, split_canvases
from barnacle.iiif.v2 import member_kind, unique_refs


class _V3(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str | None = None
    type: str | None = None
    label: Any = None


def canvas_page(index: int, raw: Any) -> PageImage | SkippedCanvas:
    """One v3 canvas: the annotations of its annotation pages (`items`)."""
    annotations: list[Any] = []
    annotation_pages = raw.get("items") if isinstance(raw, dict) else None
    for annotation_page in annotation_pages if isinstance(annotation_pages, list) else []:
        items = annotation_page.get("items") if isinstance(annotation_page, dict) else None
        if isinstance(items, list):
            annotations += items
    return pages.canvas_page(index, raw, annotations)


class Manifest(_V3):
    items: list[Any] = []

    def pages(self) -> ManifestPages:
        found, skipped = split_canvases([canvas_page(i, c) for i, c in enumerate(self.items)])
        return ManifestPages(
            manifest_id=self.id or "",
            version=3,
            label=best_label(self.label),
            pages=found,
            skipped=skipped,
            notes=[] if self.items else ["manifest has no canvases"],
        )


class Collection(_V3):
    items: list[Any] = Field(default_factory=list)

    def member_refs(self) -> list[MemberRef]:
        refs: list[MemberRef | None] = []
        for item in self.items:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                continue
            type_ = str(item.get("type") or "")
            kind = member_kind(type_, "manifest")
            refs.append(
                MemberRef(
                    id=item["id"],
                    kind=kind,
                    type=type_,
                    label=best_label(item.get("label")),
                    embedded=item if kind == "collection" and "items" in item else None,
                )
            )
        return unique_refs(refs)

    def page_links(self) -> list[str]:
        return []
