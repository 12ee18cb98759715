"""Walking an IIIF Collection: nested collections to any depth, paging (`first`/`next`, v2
and Change Discovery alike), cycles detected, manifests a Change Discovery stream deleted
left out."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from tqdm import tqdm

from barnacle.http_client import FetchError
from barnacle.iiif import IIIFError, parse_resource
from barnacle.iiif.pages import MemberRef
from barnacle.iiif.v2 import Collection as CollectionV2
from barnacle.iiif.v3 import Collection as CollectionV3
from barnacle.listing.snapshot import SnapshotEntry

JsonGetter = Callable[[str], Any]
# Collection documents (sub-collections and v2 pages) read at most: a server whose `next`
# links never end, each to a new URL, is not a cycle, and must not keep the walk going forever.
MAX_COLLECTIONS = 100_000


def walk_collection(
    root_url: str,
    root: dict[str, Any],
    get_json: JsonGetter,
    progress: bool = True,
    max_collections: int = MAX_COLLECTIONS,
) -> tuple[list[SnapshotEntry], int, list[str]]:
    """All manifests under the collection `root` (already fetched from `root_url`).

    Returns (entries in document order, collections visited, warnings). A sub-collection
    that cannot be fetched or parsed is a warning, not a failure; one seen before is a cycle.
    After `max_collections` documents the walk stops with a warning that says so.
    """
    entries: list[SnapshotEntry] = []
    removed_at: dict[str, int] = {}  # a deleted manifest: how many entries preceded its deletion
    warnings: list[str] = []
    seen: set[str] = {root_url}
    # Depth-first, in document order: a stack of (url, json or None to fetch).
    stack: deque[tuple[str, dict[str, Any] | None]] = deque([(root_url, root)])
    visited = 0
    bar = tqdm(desc="collections", unit=" coll", disable=not progress, leave=False)
    try:
        while stack:
            if visited >= max_collections:
                warnings.append(
                    f"stopped after {visited} collection documents, {len(stack)} links not "
                    f"followed: the collection looks endless (limit {max_collections})"
                )
                break
            url, data = stack.pop()
            if data is None:
                try:
                    data = get_json(url)
                except FetchError as err:
                    warnings.append(f"skipped sub-collection: {err}")
                    continue
            try:
                collection = parse_resource(data)
            except IIIFError as err:
                warnings.append(f"skipped {url}: {err}")
                continue
            if not isinstance(collection, (CollectionV2, CollectionV3)):
                warnings.append(f"{url} is listed as a collection but is a manifest; kept it")
                entries.append(SnapshotEntry(manifest_url=url, via=url))
                continue
            visited += 1
            bar.update(1)
            bar.set_postfix(manifests=len(entries))
            children = _members_to_read(url, collection, entries, removed_at, seen, warnings)
            children += _pages_to_read(url, collection.page_links(), seen, warnings)
            stack.extend(reversed(children))
    finally:
        bar.close()
    if removed_at:
        entries = [e for i, e in enumerate(entries) if removed_at.get(e.manifest_url, -1) <= i]
    return entries, visited, warnings


def _members_to_read(
    url: str,
    collection: CollectionV2 | CollectionV3,
    entries: list[SnapshotEntry],
    removed_at: dict[str, int],
    seen: set[str],
    warnings: list[str],
) -> list[tuple[str, dict[str, Any] | None]]:
    """Add the collection's manifests to `entries` (and deletions to `removed_at`); return
    its sub-collections still to read. Canvases, Ranges ... are said and skipped."""
    children: list[tuple[str, dict[str, Any] | None]] = []
    for ref in collection.member_refs():
        if ref.kind == "manifest":
            entries.append(_entry(ref, url))
        elif ref.kind == "removed":
            removed_at[ref.id] = len(entries)
        elif ref.kind == "other":
            warnings.append(
                f"{url} lists {ref.id} ({ref.type}): not a Manifest or Collection; skipped"
            )
        elif ref.id in seen:
            warnings.append(f"cycle: {url} lists {ref.id} again; not followed")
        else:
            seen.add(ref.id)
            children.append((ref.id, ref.embedded))
    return children


def _pages_to_read(
    url: str, links: list[tuple[str, str]], seen: set[str], warnings: list[str]
) -> list[tuple[str, dict[str, Any] | None]]:
    """The pages of a paged collection still to read (`first`, `next`); a page seen before
    (a loop of `next` links, a page naming itself) is a cycle: said, and not followed."""
    pages: list[tuple[str, dict[str, Any] | None]] = []
    for rel, link in links:
        if rel == "last":
            warnings.append(
                f"{url} gives its pages only from `last` (no `first`): reading backwards is "
                f"not supported; its pages were not followed"
            )
        elif link in seen:
            if rel == "next" or link != url:
                warnings.append(f"cycle: {url} names {link} as its {rel} page again; not followed")
        else:
            seen.add(link)
            pages.append((link, None))
    return pages


def _entry(ref: MemberRef, via: str) -> SnapshotEntry:
    return SnapshotEntry(manifest_url=ref.id, label=ref.label, via=via)
