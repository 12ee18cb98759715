"""IIIF Content Search 2.0 responses from index matches.

One `supplementing` annotation per match: the OCR line, or each matching word where the record
has word boxes, targeting `<canvas id>#xywh=` in canvas coordinates (the record's boxes are in
the downloaded image's pixels: scaled by canvas size / image size). Each hit also gets a
`highlighting` annotation with a TextQuoteSelector (prefix, exact, suffix) on that annotation.
Pages of PAGE_SIZE matches, linked by `next`/`prev` and `partOf` (the AnnotationCollection with
`total`, `first` and `last`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from barnacle.export.geometry import scale_box
from barnacle.view.search_index import Hit, Matches, tokens

SEARCH_CONTEXT = "http://iiif.io/api/search/2/context.json"
PAGE_SIZE = 50

CanvasSize = Callable[[str, str], tuple[int, int] | None]
"""(sha1, canvas id) -> the canvas's (width, height), None when unknown."""


def _fold(ch: str) -> str:
    folded = unicodedata.normalize("NFKD", ch.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c))


def spans(text: str, q: str) -> list[tuple[int, int]]:
    """Character spans in `text` where the words of `q` occur (each word on its own, the
    way the index matched them), in order."""
    wanted = [tuple(tokens(term)) for term in q.split()]
    wanted = [w for w in wanted if w]
    found: list[tuple[int, int, str]] = []  # start, end, folded word
    start = None
    for index, ch in enumerate(text + " "):
        is_word = bool(_fold(ch)) and any(c.isalnum() or c == "_" for c in _fold(ch))
        if is_word and start is None:
            start = index
        elif not is_word and start is not None:
            found.append((start, index, "".join(_fold(c) for c in text[start:index])))
            start = None
    out = []
    for phrase in wanted:
        for i in range(len(found) - len(phrase) + 1):
            if tuple(f[2] for f in found[i : i + len(phrase)]) == phrase:
                out.append((found[i][0], found[i + len(phrase) - 1][1]))
    return sorted(set(out))


def xywh(
    box: tuple[int, int, int, int] | list[int],
    image: tuple[int, int],
    canvas: tuple[int, int] | None,
) -> str:
    """`box` (x, y, w, h in the downloaded image's pixels) in canvas coordinates, scaled as the
    derived annotations are (barnacle.export.geometry.scale_box); as it is when the canvas or
    image size is unknown."""
    x, y, w, h = box
    if canvas and all(canvas) and all(image):
        x0, y0, x1, y1 = scale_box((x, y, x + w, y + h), image, canvas)
        return f"{x0},{y0},{x1 - x0},{y1 - y0}"
    return f"{x},{y},{max(1, w)},{max(1, h)}"


def _page_url(service: str, q: str, page: int) -> str:
    return f"{service}?{urlencode({'q': q, 'page': page})}"


def _targets(hit: Hit, q: str) -> list[tuple[str, tuple[int, int, int, int] | list[int]]]:
    """(text, box) per annotation of this hit: the matching words, or the line."""
    if hit.words:
        wanted = {tuple(tokens(term)) for term in q.split()} - {()}
        matching = [(w["text"], w["box"]) for w in hit.words if tuple(tokens(w["text"])) in wanted]
        if matching:
            return matching
    return [(hit.text, hit.box)]


def _target(canvas_id: str, fragment: str, manifest: str | None) -> Any:
    """The canvas region a match annotates: `canvas#xywh=...`, or, for the collection-wide
    search, a SpecificResource naming the canvas's manifest (partOf)."""
    if manifest is None:
        return f"{canvas_id}#{fragment}"
    return {
        "type": "SpecificResource",
        "source": {
            "id": canvas_id,
            "type": "Canvas",
            "partOf": [{"id": manifest, "type": "Manifest"}],
        },
        "selector": {
            "type": "FragmentSelector",
            "conformsTo": "http://www.w3.org/TR/media-frags/",
            "value": fragment,
        },
    }


def _highlights(anno_id: str, value: str, q: str) -> list[dict[str, Any]]:
    """One highlighting annotation per span of `q` in the match's text `value`."""
    return [
        {
            "id": f"{anno_id}/hl/{start}",
            "type": "Annotation",
            "motivation": "highlighting",
            "target": {
                "type": "SpecificResource",
                "source": anno_id,
                "selector": [
                    {
                        "type": "TextQuoteSelector",
                        "prefix": value[max(0, start - 20) : start],
                        "exact": value[start:end],
                        "suffix": value[end : end + 20],
                    }
                ],
            },
        }
        for start, end in spans(value, q)
    ]


def _paging(matches: Matches, q: str, service: str, page: int, page_size: int) -> dict[str, Any]:
    """The AnnotationPage's id, its collection (first, last and total when exact), start
    index, next and prev."""
    collection: dict[str, Any] = {
        "id": f"{service}?{urlencode({'q': q})}",
        "type": "AnnotationCollection",
        "first": {"id": _page_url(service, q, 0), "type": "AnnotationPage"},
    }
    if matches.exact:
        collection["total"] = matches.total
        last = max(0, (matches.total - 1) // page_size)
        collection["last"] = {"id": _page_url(service, q, last), "type": "AnnotationPage"}
    out: dict[str, Any] = {
        "@context": SEARCH_CONTEXT,
        "id": _page_url(service, q, page),
        "type": "AnnotationPage",
        "partOf": collection,
        "startIndex": page * page_size,
    }
    if (page + 1) * page_size < matches.total:
        out["next"] = {"id": _page_url(service, q, page + 1), "type": "AnnotationPage"}
    if page > 0:
        out["prev"] = {"id": _page_url(service, q, page - 1), "type": "AnnotationPage"}
    return out


def search_page(
    matches: Matches,
    q: str,
    service: str,
    page: int,
    page_size: int,
    canvas_size: CanvasSize,
    manifest_id: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """The AnnotationPage for page `page` of the matches of `q` at search service `service`.
    `manifest_id`: for the collection-wide search, each canvas's manifest (partOf)."""
    items: list[dict[str, Any]] = []
    highlights: list[dict[str, Any]] = []
    for hit in matches.hits:
        canvas = canvas_size(hit.sha1, hit.canvas_id)
        for number, (value, box) in enumerate(_targets(hit, q)):
            anno_id = f"{service}/match/{hit.rowid}-{number}"
            fragment = f"xywh={xywh(box, hit.image_size, canvas)}"
            manifest = manifest_id(hit.sha1) if manifest_id is not None else None
            items.append(
                {
                    "id": anno_id,
                    "type": "Annotation",
                    "motivation": "supplementing",
                    "body": {"type": "TextualBody", "value": value, "format": "text/plain"},
                    "target": _target(hit.canvas_id, fragment, manifest),
                }
            )
            highlights += _highlights(anno_id, value, q)
    out = _paging(matches, q, service, page, page_size)
    out["items"] = items
    if highlights:
        out["annotations"] = [{"type": "AnnotationPage", "items": highlights}]
    return out
