"""IIIF Presentation 2.1: tolerant models that keep unknown fields."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from barnacle.iiif import pages
from barnacle.iiif.labels import best_label
from barnacle.iiif.members import member_ref, page_links, unique_refs
from barnacle.iiif.pages import ManifestPages, MemberRef, PageImage, SkippedCanvas, split_canvases


class _V2(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str | None = Field(default=None, alias="@id")
    type: str | None = Field(default=None, alias="@type")
    label: Any = None


def canvas_page(index: int, raw: Any) -> PageImage | SkippedCanvas:
    """One v2 canvas: its `images` annotations (a list; one object or null read generously)."""
    images = raw.get("images") if isinstance(raw, dict) else None
    if isinstance(images, dict):
        images = [images]
    return pages.canvas_page(index, raw, images if isinstance(images, list) else [])


class Sequence(_V2):
    canvases: list[Any] = []


class Manifest(_V2):
    sequences: list[Sequence] = []

    def pages(self) -> ManifestPages:
        notes = []
        canvases: list[Any] = []
        if self.sequences:
            canvases = self.sequences[0].canvases
            if len(self.sequences) > 1:
                notes.append(
                    f"manifest has {len(self.sequences)} sequences; using the first, as viewers do"
                )
        else:
            notes.append("manifest has no sequences")
        found, skipped = split_canvases([canvas_page(i, c) for i, c in enumerate(canvases)])
        return ManifestPages(
            manifest_id=self.id or "",
            version=2,
            label=best_label(self.label),
            pages=found,
            skipped=skipped,
            notes=notes,
        )


class Collection(_V2):
    manifests: list[Any] = []
    collections: list[Any] = []
    members: list[Any] = []
    first: Any = None
    next: Any = None
    total: int | None = None

    def member_refs(self) -> list[MemberRef]:
        refs = [member_ref(m, "manifest") for m in self.manifests]
        refs += [member_ref(c, "collection") for c in self.collections]
        refs += [member_ref(m, "manifest") for m in self.members]
        return unique_refs(refs)

    def page_links(self) -> list[tuple[str, str]]:
        """Paged collections: the `first` and `next` pages to fetch (v2 paging)."""
        return page_links(("first", self.first), ("next", self.next))
