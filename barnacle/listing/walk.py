"""Walking an IIIF Collection: nested collections to any depth, v2 paging, cycles detected."""

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
            children: list[tuple[str, dict[str, Any] | None]] = []
            for ref in collection.member_refs():
                if ref.kind == "manifest":
                    entries.append(_entry(ref, url))
                elif ref.kind == "other":
                    warnings.append(
                        f"{url} lists {ref.id} ({ref.type}): not a Manifest or Collection; skipped"
                    )
                elif ref.id in seen:
                    warnings.append(f"cycle: {url} lists {ref.id} again; not followed")
                else:
                    seen.add(ref.id)
                    children.append((ref.id, ref.embedded))
            for link in collection.page_links():
                if link in seen:
                    if link != url:
                        warnings.append(f"cycle: page link {link} seen before; not followed")
                    continue
                seen.add(link)
                children.append((link, None))
            stack.extend(reversed(children))
    finally:
        bar.close()
    return entries, visited, warnings


def _entry(ref: MemberRef, via: str) -> SnapshotEntry:
    return SnapshotEntry(manifest_url=ref.id, label=ref.label, via=via)
