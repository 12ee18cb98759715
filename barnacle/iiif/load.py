"""Recognise which IIIF Presentation version and resource a JSON document is."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from barnacle.first_error import first_error
from barnacle.iiif import v2, v3
from barnacle.iiif.errors import IIIFError

Manifest = v2.Manifest | v3.Manifest
Collection = v2.Collection | v3.Collection


def _contexts(data: dict[str, Any]) -> str:
    context = data.get("@context")
    items = context if isinstance(context, list) else [context]
    return " ".join(str(item) for item in items if item is not None)


def detect_version(data: Any) -> int:
    """2 or 3, from `@context` first, then from the shape (`@id`/`@type` vs `id`/`type`)."""
    if not isinstance(data, dict):
        raise IIIFError(f"expected a JSON object, got {type(data).__name__}")
    context = _contexts(data)
    if "presentation/3" in context:
        return 3
    if "presentation/2" in context:
        return 2
    if "@type" in data or "@id" in data:
        return 2
    if "type" in data:
        return 3
    raise IIIFError("not a IIIF Presentation document: no @context, @type or type")


# Change Discovery (Activity Streams) collections and their pages list manifests too.
_COLLECTION_TYPES = (
    "sc:Collection",
    "Collection",
    "OrderedCollection",
    "OrderedCollectionPage",
    "CollectionPage",
)


def resource_kind(data: dict[str, Any]) -> str:
    """`manifest` or `collection`."""
    type_ = str(data.get("@type") or data.get("type") or "")
    if type_ in ("sc:Manifest", "Manifest"):
        return "manifest"
    if type_ in _COLLECTION_TYPES:
        return "collection"
    raise IIIFError(f"not a IIIF Manifest or Collection (type is {type_ or 'missing'!r})")


def parse_resource(data: Any) -> Manifest | Collection:
    """A Manifest or Collection model of the right version for `data`."""
    version = detect_version(data)
    kind = resource_kind(data)
    model: type[Manifest | Collection]
    if kind == "manifest":
        model = v3.Manifest if version == 3 else v2.Manifest
    else:
        model = v3.Collection if version == 3 else v2.Collection
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise IIIFError(
            f"invalid IIIF {version} {kind}: {first_error(err)} ({err.error_count()} problems)"
        ) from err


def manifest_from_json(data: Any) -> Manifest:
    """The Manifest model (v2 or v3) of a manifest's JSON; IIIFError when it is invalid or a
    Collection."""
    resource = parse_resource(data)
    if not isinstance(resource, (v2.Manifest, v3.Manifest)):
        raise IIIFError("expected a Manifest but this is a Collection")
    return resource


def first_canvases(data: Any, limit: int) -> Any:
    """`data` (a manifest's JSON) with only its first `limit` canvases (v3 `items`, or the
    first sequence's `canvases` in v2), so a page limit spares validating the rest of a
    huge manifest. Anything else comes back as it is, for validation to judge."""
    if not isinstance(data, dict) or limit < 1:
        return data
    items = data.get("items")
    if isinstance(items, list) and len(items) > limit:
        return {**data, "items": items[:limit]}
    sequences = data.get("sequences")
    if isinstance(sequences, list) and sequences and isinstance(sequences[0], dict):
        canvases = sequences[0].get("canvases")
        if isinstance(canvases, list) and len(canvases) > limit:
            first = {**sequences[0], "canvases": canvases[:limit]}
            return {**data, "sequences": [first, *sequences[1:]]}
    return data
