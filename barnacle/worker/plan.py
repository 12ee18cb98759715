"""The page plan of one manifest: which canvases, in which order, under which page keys."""

from __future__ import annotations

from pydantic import BaseModel

from barnacle.iiif import ImageRequest, ManifestPages, PageImage


class PagePlan(BaseModel):
    page: PageImage
    page_key: str


def page_key(manifest_url: str, canvas_id: str, model_sha256: str, request: ImageRequest) -> str:
    """What makes a page's text: manifest | canvas | model weights | image request.

    The model enters by its sha256, not its path, so the same model mounted elsewhere (in a
    container, say) resumes. The request is the one asked for, before any info.json
    clamping, so the key is known without touching the network.
    """
    return "|".join((manifest_url, canvas_id, model_sha256, request.key()))


def plan_pages(
    manifest_url: str,
    pages: ManifestPages,
    model_sha256: str,
    request: ImageRequest,
    max_pages: int | None = None,
) -> list[PagePlan]:
    chosen = pages.pages[:max_pages] if max_pages else pages.pages
    return [
        PagePlan(page=page, page_key=page_key(manifest_url, page.canvas_id, model_sha256, request))
        for page in chosen
    ]
