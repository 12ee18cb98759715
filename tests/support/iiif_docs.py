"""IIIF Presentation fixtures, v2.1 and v3.0. `{base}` is replaced by the server's base URL."""

from __future__ import annotations

from typing import Any

V2_CONTEXT = "http://iiif.io/api/presentation/2/context.json"
V3_CONTEXT = "http://iiif.io/api/presentation/3/context.json"


def v2_canvas(name: str, service: bool = True, label: Any = None) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "@id": f"{{base}}/img/{name}/full/full/0/default.jpg",
        "@type": "dctypes:Image",
        "format": "image/jpeg",
        "width": 2000,
        "height": 3000,
    }
    if service:
        resource["service"] = {
            "@context": "http://iiif.io/api/image/2/context.json",
            "@id": f"{{base}}/iiif/2/{name}/",
            "profile": "http://iiif.io/api/image/2/level2.json",
        }
    return {
        "@id": f"{{base}}/canvas/{name}",
        "@type": "sc:Canvas",
        "label": label if label is not None else f"p. {name}",
        "width": 2000,
        "height": 3000,
        "images": [
            {
                "@type": "oa:Annotation",
                "motivation": "sc:painting",
                "resource": resource,
                "on": f"{{base}}/canvas/{name}",
            }
        ],
    }


def v2_manifest(name: str, canvases: list[dict[str, Any]], sequences: int = 1) -> dict[str, Any]:
    return {
        "@context": V2_CONTEXT,
        "@id": f"{{base}}/{name}.json",
        "@type": "sc:Manifest",
        "label": [
            {"@value": f"Livre {name}", "@language": "fr"},
            {"@value": f"Book {name}", "@language": "en"},
        ],
        "viewingHint": "paged",
        "sequences": [
            {"@type": "sc:Sequence", "canvases": canvases if i == 0 else canvases[:1]}
            for i in range(sequences)
        ],
    }


def v3_canvas(name: str, service_type: str = "ImageService3") -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": f"{{base}}/img/{name}/full/max/0/default.jpg",
        "type": "Image",
        "format": "image/jpeg",
        "width": 1500,
        "height": 2000,
        "service": [
            {"id": f"{{base}}/iiif/3/{name}/info.json", "type": service_type, "profile": "level1"}
        ],
    }
    return {
        "id": f"{{base}}/canvas3/{name}",
        "type": "Canvas",
        "label": {"none": [f"f. {name}"]},
        "width": 1500,
        "height": 2000,
        "items": [
            {
                "id": f"{{base}}/canvas3/{name}/page",
                "type": "AnnotationPage",
                "items": [
                    {
                        "id": f"{{base}}/canvas3/{name}/anno",
                        "type": "Annotation",
                        "motivation": "painting",
                        "body": body,
                        "target": f"{{base}}/canvas3/{name}",
                    }
                ],
            }
        ],
    }


def v3_manifest(name: str, canvases: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "@context": V3_CONTEXT,
        "id": f"{{base}}/{name}.json",
        "type": "Manifest",
        "label": {"en": [f"Book {name}"], "fr": [f"Livre {name}"]},
        "items": canvases,
        "someVendorField": {"kept": True},
    }


def v2_collection(name: str, manifests: list[str], collections: list[str] = ()) -> dict[str, Any]:
    return {
        "@context": V2_CONTEXT,
        "@id": f"{{base}}/{name}.json",
        "@type": "sc:Collection",
        "label": f"Collection {name}",
        "manifests": [
            {"@id": f"{{base}}/{m}.json", "@type": "sc:Manifest", "label": f"Book {m}"}
            for m in manifests
        ],
        "collections": [
            {"@id": f"{{base}}/{c}.json", "@type": "sc:Collection", "label": c} for c in collections
        ],
    }


def v3_collection(name: str, members: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "@context": V3_CONTEXT,
        "id": f"{{base}}/{name}.json",
        "type": "Collection",
        "label": {"en": [f"Collection {name}"]},
        "items": [
            {"id": f"{{base}}/{member}.json", "type": kind, "label": {"en": [member]}}
            for kind, member in members
        ],
    }
