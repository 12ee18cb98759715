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
    """The pages to OCR, each under a key of its own: a canvas id that a manifest repeats
    (a broken manifest) is keyed as `<canvas id>#<canvas index>` after its first use, so each
    of those canvases is done once, not one twice and the others never."""
    chosen = pages.pages[:max_pages] if max_pages else pages.pages
    plan: list[PagePlan] = []
    seen: set[str] = set()
    for page in chosen:
        canvas = page.canvas_id
        while canvas in seen:
            canvas = f"{canvas}#{page.index}"
        seen.add(canvas)
        plan.append(
            PagePlan(page=page, page_key=page_key(manifest_url, canvas, model_sha256, request))
        )
    return plan
