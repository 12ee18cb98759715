"""IIIF Presentation 3 from the records: one AnnotationPage of line annotations per canvas, in
canvas coordinates, and the derived manifest that lists them (the source manifest, converted
to 3.0 when it is 2.1, with `annotations`, `rendering` links, a search service and a link
back to the source). The same records and source give the same bytes."""

from __future__ import annotations

import copy
import json
from typing import Any

from barnacle.export.geometry import line_box, scale_box, xywh
from barnacle.export.problems import Problem
from barnacle.export.published_urls import PublishedUrls
from barnacle.export.records import ManifestRecords, NumberedRecord
from barnacle.export.v2_to_v3 import PRESENTATION_3, manifest_v2_to_v3
from barnacle.iiif.load import detect_version

TEXT_GRANULARITY = "http://iiif.io/api/extension/text-granularity/context.json"
CONTEXT = [TEXT_GRANULARITY, PRESENTATION_3]
ALTO_PROFILE = "http://www.loc.gov/standards/alto/"


def dumps(document: dict[str, Any]) -> bytes:
    """The bytes written for a IIIF document: stable key order as built, UTF-8, indented."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _language(item: NumberedRecord) -> str | None:
    metadata = item.record.metadata
    value = metadata.get("language") or metadata.get("lang")
    return value.strip() if isinstance(value, str) and value.strip() else None


def canvas_size(canvas: dict[str, Any]) -> tuple[int, int] | None:
    width, height = canvas.get("width"), canvas.get("height")
    if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
        return width, height
    return None


def annotation_page(
    item: NumberedRecord, canvas_id: str, size: tuple[int, int], urls: PublishedUrls
) -> dict[str, Any]:
    """The AnnotationPage of one page: one `supplementing` line annotation per line with
    geometry, its box scaled from the downloaded image to the canvas."""
    record = item.record
    page_id = urls.annotation_page(record.canvas_index)
    image = (record.image.width, record.image.height)
    language = _language(item)
    annotations = []
    for number, line in enumerate(record.ocr_lines):
        box = line_box(line)
        if box is None or not line.text.strip():
            continue
        body: dict[str, Any] = {"type": "TextualBody", "value": line.text, "format": "text/plain"}
        if language:
            body["language"] = language
        annotations.append(
            {
                "id": f"{page_id}#line-{number}",
                "type": "Annotation",
                "motivation": "supplementing",
                "textGranularity": "line",
                "body": body,
                "target": f"{canvas_id}#xywh={xywh(scale_box(box, image, size))}",
            }
        )
    return {"@context": CONTEXT, "id": page_id, "type": "AnnotationPage", "items": annotations}


def _v3_source(source: dict[str, Any], urls: PublishedUrls) -> tuple[dict[str, Any], int]:
    version = detect_version(source)
    if version == 2:
        return manifest_v2_to_v3(source, urls), 2
    return copy.deepcopy(source), 3


def _add_context(manifest: dict[str, Any]) -> None:
    context = manifest.get("@context")
    contexts = context if isinstance(context, list) else [context] if context else []
    others = [c for c in contexts if c not in (TEXT_GRANULARITY, PRESENTATION_3)]
    manifest["@context"] = [TEXT_GRANULARITY, *others, PRESENTATION_3]


def _append(resource: dict[str, Any], key: str, items: list[dict[str, Any]]) -> None:
    existing = resource.get(key)
    existing = existing if isinstance(existing, list) else [existing] if existing else []
    known = {item.get("id") for item in existing if isinstance(item, dict)}
    resource[key] = existing + [item for item in items if item["id"] not in known]


def _search_service(service: Any) -> bool:
    """A search service of the source: replaced by ours, which searches the OCR."""
    if not isinstance(service, dict):
        return False
    return str(service.get("type") or service.get("@type") or "").startswith("SearchService")


def _manifest_head(source: dict[str, Any], source_url: str, urls: PublishedUrls) -> dict[str, Any]:
    """The source manifest as IIIF 3 under the derived id (first, as viewers show it),
    pointing at its source (partOf, seeAlso) and at our search service."""
    manifest, version = _v3_source(source, urls)
    _add_context(manifest)
    # id first: rebuild the dict so the derived id leads, as viewers show it.
    context = manifest.pop("@context")
    rest = {key: value for key, value in manifest.items() if key != "id"}
    manifest = {"@context": context, "id": urls.manifest, **rest}
    profile = f"http://iiif.io/api/presentation/{version}/context.json"
    source_link = {
        "id": source_url,
        "type": "Manifest",
        "label": {"en": ["Source IIIF manifest"]},
    }
    _append(manifest, "partOf", [source_link])
    source_data: dict[str, Any] = {
        "id": source_url,
        "type": "Dataset",
        "format": "application/ld+json",
        "profile": profile,
        "label": {"en": ["Source IIIF manifest"]},
    }
    _append(manifest, "seeAlso", [source_data])
    services = manifest.get("service")
    services = services if isinstance(services, list) else [services] if services else []
    others = [s for s in services if not _search_service(s)]
    manifest["service"] = [{"id": urls.search, "type": "SearchService2"}, *others]
    return manifest


def _record_canvas(
    canvases: list[dict[str, Any]], index: int, canvas_id: str
) -> dict[str, Any] | None:
    """The canvas a record was read from: the one at its index if the id matches, else the
    one canvas with its id, else (ids changed) the one at its index."""
    canvas = canvases[index] if index < len(canvases) else None
    if canvas is None or canvas.get("id") != canvas_id:
        matches = [c for c in canvases if c.get("id") == canvas_id]
        canvas = matches[0] if len(matches) == 1 else canvas
    return canvas


def derived_manifest(
    source: dict[str, Any],
    source_url: str,
    records: ManifestRecords,
    urls: PublishedUrls,
) -> tuple[dict[str, Any], dict[int, dict[str, Any]], list[Problem]]:
    """The derived manifest, the annotation page of each canvas index, and the problems
    (a record whose canvas is not in the source, or has no size)."""
    manifest = _manifest_head(source, source_url, urls)
    canvases = [c for c in manifest.get("items") or [] if isinstance(c, dict)]
    pages: dict[int, dict[str, Any]] = {}
    problems: list[Problem] = []
    for item in records.pages:
        record = item.record
        index = record.canvas_index
        canvas = _record_canvas(canvases, index, record.canvas_id)
        if canvas is None:
            message = f"canvas {index} ({record.canvas_id}) is not in the source manifest"
            problems.append(Problem.at(records.path, item.line, message))
            continue
        size = canvas_size(canvas)
        if size is None:
            message = (
                f"canvas {index} ({record.canvas_id}) has no width/height in the source "
                "manifest: its annotations cannot be placed and are left out"
            )
            problems.append(Problem.at(records.path, item.line, message))
            continue
        page = annotation_page(item, canvas["id"], size, urls)
        pages[index] = page
        _append(canvas, "annotations", [{"id": page["id"], "type": "AnnotationPage"}])
        _append(canvas, "rendering", _renderings(urls, index))
    return manifest, pages, problems


def _renderings(urls: PublishedUrls, index: int) -> list[dict[str, Any]]:
    """The canvas's `rendering` links: its page as ALTO XML and the manifest's plain text."""
    alto = {
        "id": urls.alto(index),
        "type": "Text",
        "label": {"en": ["ALTO XML"]},
        "format": "application/xml",
        "profile": ALTO_PROFILE,
    }
    text = {
        "id": urls.text,
        "type": "Text",
        "label": {"en": ["Plain text"]},
        "format": "text/plain",
    }
    return [alto, text]
