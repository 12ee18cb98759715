"""`fetch-collection`: turn any SOURCE (collection or manifest URL, .json, .txt, .csv) into
a snapshot of manifest references."""

from __future__ import annotations

import csv
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from barnacle.http_client import get_json, url_problem
from barnacle.http_client.json_body import decode_json
from barnacle.iiif import IIIFError, best_label
from barnacle.iiif.load import detect_version, resource_kind
from barnacle.listing.snapshot import CollectionSnapshot, SnapshotEntry, SourceKind
from barnacle.listing.walk import walk_collection


class SourceError(ValueError):
    """A SOURCE that cannot be read; the message says what to give instead."""


def _from_iiif(
    source: str, data: Any, get: Callable[[str], Any], kind: SourceKind, progress: bool
) -> CollectionSnapshot:
    try:
        detect_version(data)
        what = resource_kind(data)
    except IIIFError as err:
        raise SourceError(f"{source}: {err}") from err
    ident = data.get("@id") or data.get("id") or source
    label = best_label(data.get("label"))
    if what == "manifest":
        manifest_url = source if kind == "manifest" else str(ident)
        entry = SnapshotEntry(manifest_url=manifest_url, label=label)
        return CollectionSnapshot(source=source, source_kind=kind, label=label, entries=[entry])
    root = source if kind == "collection" else str(ident)
    entries, visited, warnings = walk_collection(root, data, get, progress=progress)
    return CollectionSnapshot(
        source=source,
        source_kind="collection" if kind != "json-file" else kind,
        label=label,
        entries=entries,
        collections_visited=visited,
        warnings=warnings,
    )


def read_txt_list(path: Path) -> list[SnapshotEntry]:
    """One URL per line; blank lines and lines starting with `#` are ignored."""
    entries = []
    with path.open(encoding="utf-8-sig", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            text = line.strip()
            if text and not text.startswith("#"):
                entries.append(SnapshotEntry(manifest_url=text, source_line=number))
    return entries


def read_csv_list(path: Path) -> list[SnapshotEntry]:
    """A CSV with a `manifest_url` column; every other column is kept as metadata."""
    entries = []
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        if "manifest_url" not in columns:
            raise SourceError(
                f"{path}: no 'manifest_url' column (columns are: {', '.join(columns) or 'none'}); "
                "name the column of manifest URLs 'manifest_url'"
            )
        for row in reader:
            url = (row.get("manifest_url") or "").strip()
            metadata = {
                key: (value or "").strip()
                for key, value in row.items()
                if key and key != "manifest_url" and isinstance(value, str)
            }
            # line_num counts physical lines read so far: the row's last line.
            entries.append(
                SnapshotEntry(manifest_url=url, metadata=metadata, source_line=reader.line_num)
            )
    return entries


def fetch_snapshot(
    source: str, get: Callable[[str], Any] | None = None, progress: bool = True
) -> CollectionSnapshot:
    """Read SOURCE into a snapshot. Raises SourceError with a message that names the fix.

    Documents not in UTF-8 (a legacy 8-bit encoding) are decoded with a warning each."""
    notes: list[str] = []
    snapshot = _read_source(source, get or partial(get_json, notes=notes), progress, notes)
    snapshot.warnings = notes + snapshot.warnings
    return snapshot


def _read_source(
    source: str, get: Callable[[str], Any], progress: bool, notes: list[str]
) -> CollectionSnapshot:
    if "://" in source:
        problem = url_problem(source)
        if problem:
            raise SourceError(f"{source}: {problem}; give an http(s) URL or a local file path")
        data = get(source)
        kind: SourceKind = "collection"
        try:
            if resource_kind(data) == "manifest":
                kind = "manifest"
        except (IIIFError, AttributeError):
            pass
        return _from_iiif(source, data, get, kind, progress)
    path = Path(source)
    if not path.is_file():
        raise SourceError(
            f"{source}: no such file; give an IIIF collection or manifest URL (http/https), "
            "or a .json, .txt or .csv file"
        )
    suffix = path.suffix.lower()
    if suffix == ".txt":
        return CollectionSnapshot(
            source=source, source_kind="txt-list", entries=read_txt_list(path)
        )
    if suffix == ".csv":
        return CollectionSnapshot(source=source, source_kind="csv", entries=read_csv_list(path))
    if suffix == ".json":
        try:
            data, note = decode_json(path.read_bytes())
        except (ValueError, RecursionError) as err:
            raise SourceError(f"{source}: not valid JSON ({err})") from err
        if note:
            notes.append(f"{source}: {note}")
        return _from_iiif(source, data, get, "json-file", progress)
    raise SourceError(f"{source}: unknown file type {suffix!r}; use .json, .txt or .csv")
