"""A Presentation 2.1 manifest as a valid 3.0 manifest: labels, metadata, rights and
attribution, thumbnails, links and canvases (ids, sizes, painted images and their image
services) carried over; v2-only structure (sequences, `otherContent`) dropped."""

from __future__ import annotations

from typing import Any

from barnacle.export.published_urls import PublishedUrls

PRESENTATION_3 = "http://iiif.io/api/presentation/3/context.json"
BEHAVIORS = {"paged", "continuous", "individuals", "non-paged", "multi-part", "facing-pages"}
LanguageMap = dict[str, list[str]]


def language_map(value: Any) -> LanguageMap:
    """A v2 value (string, `@value`/`@language` object, or a list of them) as a v3 language
    map; text without a language goes under `none`."""
    result: LanguageMap = {}
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict):
            text, language = item.get("@value"), item.get("@language")
        else:
            text, language = item, None
        if text is None or isinstance(text, (dict, list)):
            continue
        result.setdefault(str(language or "none"), []).append(str(text))
    return result


def _ids(value: Any) -> list[tuple[str, dict[str, Any]]]:
    """(id, object) for a v2 link value: a URL string, an object with `@id`, or a list."""
    items = value if isinstance(value, list) else [value]
    out: list[tuple[str, dict[str, Any]]] = []
    for item in items:
        if isinstance(item, str) and item:
            out.append((item, {}))
        elif isinstance(item, dict) and isinstance(item.get("@id"), str):
            out.append((item["@id"], item))
    return out


def _link(value: Any, type_: str, **defaults: Any) -> list[dict[str, Any]]:
    links = []
    for ident, item in _ids(value):
        link: dict[str, Any] = {"id": ident, "type": type_}
        if item.get("label") is not None:
            link["label"] = language_map(item["label"])
        elif "label" in defaults:
            link["label"] = defaults["label"]
        fmt = item.get("format") or defaults.get("format")
        if fmt:
            link["format"] = fmt
        if isinstance(item.get("profile"), str):
            link["profile"] = item["profile"]
        links.append(link)
    return links


def _image_service(service: Any) -> list[dict[str, Any]]:
    """v2 image services as v3 embeds them: `@id`, `@type: ImageService2`, short profile."""
    services = []
    for item in service if isinstance(service, list) else [service]:
        if not isinstance(item, dict) or not isinstance(item.get("@id"), str):
            continue
        profile = item.get("profile")
        first = profile[0] if isinstance(profile, list) and profile else profile
        level = "level0"
        if isinstance(first, str) and "level" in first:
            level = "level" + first.rsplit("level", 1)[1][:1]
        context = str(item.get("@context", ""))
        type_ = (
            "ImageService1" if "image/1" in context or "image/1" in str(first) else "ImageService2"
        )
        services.append({"@id": item["@id"], "@type": type_, "profile": level})
    return services


def _image_body(resource: dict[str, Any]) -> dict[str, Any] | None:
    if resource.get("@type") == "oa:Choice" and isinstance(resource.get("default"), dict):
        resource = resource["default"]
    if not isinstance(resource.get("@id"), str):
        return None
    body: dict[str, Any] = {"id": resource["@id"], "type": "Image"}
    for key in ("format", "width", "height"):
        if resource.get(key) is not None:
            body[key] = resource[key]
    service = _image_service(resource.get("service"))
    if service:
        body["service"] = service
    return body


def _canvas(canvas: dict[str, Any], index: int, urls: PublishedUrls) -> dict[str, Any]:
    canvas_id = canvas.get("@id") or urls.derived(f"canvas/{index:04d}")
    out: dict[str, Any] = {"id": canvas_id, "type": "Canvas"}
    if canvas.get("label") is not None:
        out["label"] = language_map(canvas["label"])
    for key in ("width", "height"):
        if isinstance(canvas.get(key), int):
            out[key] = canvas[key]
    annotations = []
    for number, image in enumerate(canvas.get("images") or []):
        if not isinstance(image, dict) or not isinstance(image.get("resource"), dict):
            continue
        body = _image_body(image["resource"])
        if body is None:
            continue
        annotations.append(
            {
                "id": image.get("@id") or urls.derived(f"canvas/{index:04d}/image/{number}"),
                "type": "Annotation",
                "motivation": "painting",
                "body": body,
                "target": canvas_id,
            }
        )
    page_id = urls.derived(f"canvas/{index:04d}/painting")
    out["items"] = [{"id": page_id, "type": "AnnotationPage", "items": annotations}]
    if canvas.get("thumbnail") is not None:
        out["thumbnail"] = _link(canvas["thumbnail"], "Image")
    if canvas.get("metadata"):
        out["metadata"] = _metadata(canvas["metadata"])
    return out


def _metadata(entries: Any) -> list[dict[str, LanguageMap]]:
    out = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("label") is not None:
            label, value = language_map(entry["label"]), language_map(entry.get("value"))
            if label and value:
                out.append({"label": label, "value": value})
    return out


def _descriptive(data: dict[str, Any]) -> dict[str, Any]:
    """metadata (licenses past the first web one among them), summary, requiredStatement
    and rights of the v2 manifest `data`."""
    out: dict[str, Any] = {}
    metadata = _metadata(data.get("metadata"))
    licenses = [ident for ident, _ in _ids(data.get("license"))]
    rights = next((url for url in licenses if url.startswith(("http://", "https://"))), None)
    extra_licenses = [url for url in licenses if url != rights]
    if extra_licenses:
        metadata.append({"label": {"en": ["License"]}, "value": {"none": extra_licenses}})
    if metadata:
        out["metadata"] = metadata
    if data.get("description") is not None:
        out["summary"] = language_map(data["description"])
    if data.get("attribution") is not None:
        out["requiredStatement"] = {
            "label": {"en": ["Attribution"]},
            "value": language_map(data["attribution"]),
        }
    if rights:
        out["rights"] = rights
    return out


def _presentational(data: dict[str, Any]) -> dict[str, Any]:
    """navDate, viewingDirection and behavior (from viewingHint) of the v2 manifest `data`."""
    out: dict[str, Any] = {}
    if data.get("navDate"):
        out["navDate"] = data["navDate"]
    if data.get("viewingDirection") in (
        "left-to-right",
        "right-to-left",
        "top-to-bottom",
        "bottom-to-top",
    ):
        out["viewingDirection"] = data["viewingDirection"]
    hint = data.get("viewingHint")
    if isinstance(hint, str) and hint in BEHAVIORS:
        out["behavior"] = [hint]
    return out


def _linking(data: dict[str, Any], urls: PublishedUrls) -> dict[str, Any]:
    """thumbnail, provider (from logo), homepage, rendering, seeAlso and partOf of the v2
    manifest `data`."""
    out: dict[str, Any] = {}
    if data.get("thumbnail") is not None:
        out["thumbnail"] = _link(data["thumbnail"], "Image")
    if data.get("logo") is not None:
        logos = _link(data["logo"], "Image")
        if logos:
            out["provider"] = [
                {
                    "id": urls.derived("provider"),
                    "type": "Agent",
                    "label": language_map(data.get("attribution")) or {"none": ["Provider"]},
                    "logo": logos,
                }
            ]
    if data.get("related") is not None:
        out["homepage"] = _link(data["related"], "Text", format="text/html")
    if data.get("rendering") is not None:
        out["rendering"] = _link(data["rendering"], "Text")
    if data.get("seeAlso") is not None:
        out["seeAlso"] = _link(data["seeAlso"], "Dataset")
    if data.get("within") is not None:
        out["partOf"] = _link(data["within"], "Collection")
    return out


def manifest_v2_to_v3(data: dict[str, Any], urls: PublishedUrls) -> dict[str, Any]:
    """The v3 form of the v2 manifest `data`. Ids of things v2 did not name (annotation
    pages) are made under the derived manifest's URL; canvas ids are the source's."""
    out: dict[str, Any] = {
        "@context": PRESENTATION_3,
        "id": data.get("@id") or urls.manifest,
        "type": "Manifest",
        "label": language_map(data.get("label")) or {"none": [urls.sha1]},
    }
    out |= _descriptive(data) | _presentational(data) | _linking(data, urls)
    sequences = data.get("sequences") or []
    first = sequences[0] if sequences and isinstance(sequences[0], dict) else {}
    canvases = [c for c in first.get("canvases") or [] if isinstance(c, dict)]
    out["items"] = [_canvas(canvas, i, urls) for i, canvas in enumerate(canvases)]
    return out
