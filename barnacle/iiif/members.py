"""What a Collection names: its members (manifests, sub-collections, and items that are
neither, such as Canvases and Ranges), the objects of IIIF Change Discovery activities, and
the pages to read next (`first`, `next`), in v2 and v3 alike."""

from __future__ import annotations

from typing import Any

from barnacle.iiif.labels import best_label
from barnacle.iiif.pages import MemberRef

# Keys under which a collection names its members: an inline sub-collection holding one of
# them is walked without fetching it.
MEMBER_KEYS = ("manifests", "collections", "members", "first", "items", "orderedItems")
_GONE = {"delete", "remove", "move"}  # activities after which the object is not at its id


def member_kind(type_: str, default_kind: str) -> str:
    """`manifest`, `collection`, or `other` for a member typed as something else (a Canvas
    or Range listed in a collection is not a manifest)."""
    word = type_.rsplit(":", 1)[-1].strip()
    if word in ("Collection", "OrderedCollection"):  # the latter: a Change Discovery stream
        return "collection"
    if word == "Manifest":
        return "manifest"
    return "other" if word else default_kind


def member_ref(item: Any, default_kind: str) -> MemberRef | None:
    """The reference a member entry makes (`@id`/`id`, type, label), or None when it names
    no id. A bare string is an id of `default_kind`."""
    if isinstance(item, str):
        return MemberRef(id=item, kind=default_kind) if item.strip() else None
    if not isinstance(item, dict):
        return None
    ident = item.get("@id") or item.get("id")
    if not isinstance(ident, str) or not ident.strip():
        return None
    type_ = str(item.get("@type") or item.get("type") or "")
    kind = member_kind(type_, default_kind)
    nested = kind == "collection" and any(key in item for key in MEMBER_KEYS)
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


def activity_refs(activities: list[Any]) -> list[MemberRef]:
    """The objects of the activities of a Change Discovery page (`orderedItems`), oldest
    first, each id once at its last activity: Create, Update, Add ... name a member; Delete
    and Remove name one that is gone (kind `removed`); Move names its object gone and its
    `target` the member."""
    last: dict[str, MemberRef] = {}
    for activity in activities:
        if not isinstance(activity, dict):
            continue
        word = str(activity.get("type") or activity.get("@type") or "").rsplit(":", 1)[-1]
        ref = member_ref(activity.get("object"), "manifest")
        if ref is None:
            continue
        last.pop(ref.id, None)  # re-inserted: dict order is the order of last activity
        if word.lower() not in _GONE:
            last[ref.id] = ref
            continue
        last[ref.id] = ref.model_copy(update={"kind": "removed"})
        target = member_ref(activity.get("target"), ref.kind)
        if word.lower() == "move" and target is not None:
            last.pop(target.id, None)
            last[target.id] = target
    return list(last.values())


def page_links(*links: tuple[str, Any]) -> list[tuple[str, str]]:
    """(`first`/`next`, URL) for each link given as a URL or an object with an id."""
    out = []
    for rel, value in links:
        if isinstance(value, dict):
            value = value.get("@id") or value.get("id")
        if isinstance(value, str) and value.strip():
            out.append((rel, value))
    return out
