"""IIIF Presentation 2.1: tolerant models that keep unknown fields."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from barnacle.iiif import pages
from barnacle.iiif.labels import best_label
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


def member_kind(type_: str, default_kind: str) -> str:
    """`manifest`, `collection`, or `other` for a member typed as something else (a Canvas
    or Range listed in a collection is not a manifest)."""
    word = type_.rsplit(":", 1)[-1].strip()
    if word == "Collection":
        return "collection"
    if word == "Manifest":
        return "manifest"
    return "other" if word else default_kind


def _ref(item: Any, default_kind: str) -> MemberRef | None:
    if isinstance(item, str):
        return MemberRef(id=item, kind=default_kind)
    if not isinstance(item, dict):
        return None
    ident = item.get("@id") or item.get("id")
    if not isinstance(ident, str):
        return None
    type_ = str(item.get("@type") or item.get("type") or "")
    kind = member_kind(type_, default_kind)
    nested = kind == "collection" and any(
        key in item for key in ("manifests", "collections", "members", "first", "items")
    )
    return MemberRef(
        id=ident,
        kind=kind,
        type=type_,
        label=best_label(item.get("label")),
        embedded=item if nested else None,
    )


def unique_refs(refs: list[MemberRef | None]) -> list[MemberRef]:
    """Members in document order, each id once: v2 collections may list the same member
    under `manifests`/`collections` and again under `members`."""
    seen: set[str] = set()
    out: list[MemberRef] = []
    for ref in refs:
        if ref is not None and ref.id not in seen:
            seen.add(ref.id)
            out.append(ref)
    return out


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
        return unique_refs(refs)

    def page_links(self) -> list[str]:
        """Paged collections: the `first` and `next` pages to fetch (v2 paging)."""
        links = []
        for value in (self.first, self.next):
            if isinstance(value, str):
                links.append(value)
            elif isinstance(value, dict) and isinstance(value.get("@id"), str):
                links.append(value["@id"])
        return links
