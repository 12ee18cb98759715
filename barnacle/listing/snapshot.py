"""The snapshot of a run's input (`runs/<RUN>/collection.json`): every manifest reference
as found, before validation and de-duplication (those are `list-manifests`' job)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from barnacle import __version__

SourceKind = Literal["collection", "manifest", "json-file", "txt-list", "csv"]


class SnapshotEntry(BaseModel):
    """One manifest reference from the input."""

    manifest_url: str
    label: str = ""
    metadata: dict[str, str] = Field(default_factory=dict)
    source_line: int | None = None  # line number in a .txt/.csv input
    via: str | None = None  # the collection (page) that listed it


class CollectionSnapshot(BaseModel):
    """What `fetch-collection` found in SOURCE."""

    source: str
    source_kind: SourceKind
    label: str = ""
    created_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat())
    barnacle_version: str = __version__
    entries: list[SnapshotEntry]
    collections_visited: int = 0
    warnings: list[str] = Field(default_factory=list)
