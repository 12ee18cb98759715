"""IIIF Presentation 3.0: tolerant models that keep unknown fields."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from barnacle.iiif import pages
from barnacle.iiif.labels import best_label
from barnacle.iiif.members import activity_refs, member_ref, page_links, unique_refs
from barnacle.iiif.pages import ManifestPages, MemberRef, PageImage, SkippedCanvas, split_canvases


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
    """A v3 Collection, or a IIIF Change Discovery OrderedCollection or page of one."""

    items: list[Any] = Field(default_factory=list)
    members: list[Any] = Field(default_factory=list)  # not 3.0, but some servers use it
    ordered_items: list[Any] = Field(default_factory=list, alias="orderedItems")
    first: Any = None
    next: Any = None
    last: Any = None

    def member_refs(self) -> list[MemberRef]:
        refs = unique_refs([member_ref(item, "manifest") for item in self.items + self.members])
        return refs + activity_refs(self.ordered_items)

    def page_links(self) -> list[tuple[str, str]]:
        """Paged collections (Change Discovery style): the `first` and `next` pages; `last`
        when there is no `first` (such a stream is read backwards only: not followed)."""
        links = page_links(("first", self.first), ("next", self.next))
        if self.first is None:
            links += page_links(("last", self.last))
        return links
