"""`list-manifests`: the snapshot -> `manifests.tsv`, one line per unique, valid manifest."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from barnacle.atomic import atomic_write_text
from barnacle.hashing import manifest_sha1
from barnacle.http_client import url_problem
from barnacle.listing.snapshot import CollectionSnapshot
from barnacle.run_folder import RunFolder

BASE_COLUMNS = ["index", "manifest_url", "sha1", "output", "label"]
COMPUTED_COLUMNS = ("index", "manifest_url", "sha1", "output")  # an input column cannot set these


def row_metadata(row: dict[str, str]) -> dict[str, str]:
    """The metadata a manifests.tsv row carries into every record of its manifest: each
    non-empty column that is not one of Barnacle's own. A column whose name holds `=` is left
    out, because an array task's list passes metadata as KEY=VALUE."""
    return {
        key: value
        for key, value in row.items()
        if key and key not in BASE_COLUMNS and "=" not in key and value
    }


@dataclass
class ManifestTable:
    columns: list[str]
    rows: list[dict[str, str]]
    duplicates: int = 0
    invalid: list[str] = field(default_factory=list)


def _clean(value: str) -> str:
    """One line for a TSV cell: any run of whitespace (tabs, newlines, line separators) is a
    space, and other control characters (NUL, escape, ...) go."""
    text = " ".join(value.split())
    if text.isprintable():
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc")


def build_table(snapshot: CollectionSnapshot, run_dir: Path) -> ManifestTable:
    """Unique valid manifests in snapshot order; duplicates counted, invalid URLs reported."""
    metadata_columns: list[str] = []
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    duplicates = 0
    invalid: list[str] = []
    for position, entry in enumerate(snapshot.entries, start=1):
        url = entry.manifest_url
        problem = url_problem(url)
        if problem:
            where = f"line {entry.source_line}" if entry.source_line else f"entry {position}"
            invalid.append(f"{where}: {url!r}: {problem}")
            continue
        if url in seen:
            duplicates += 1
            continue
        seen.add(url)
        metadata = {_clean(key): _clean(value) for key, value in entry.metadata.items()}
        for key in metadata:
            if key and key not in metadata_columns and key not in BASE_COLUMNS:
                metadata_columns.append(key)
        row = {
            "index": str(len(rows) + 1),
            "manifest_url": url,
            "sha1": manifest_sha1(url),
            "output": str(RunFolder(run_dir).output_for_url(url)),
            "label": _clean(entry.label)[:500],
        }
        # A `label` column names the manifest; `sha1` or `output` columns must never choose
        # where the output goes (make builds runs/<RUN>/ocr/<sha1 column>.jsonl).
        row.update({k: v for k, v in metadata.items() if k and k not in COMPUTED_COLUMNS})
        row["label"] = row["label"][:500]
        rows.append(row)
    return ManifestTable(BASE_COLUMNS + metadata_columns, rows, duplicates, invalid)


def table_text(table: ManifestTable) -> str:
    lines = ["\t".join(table.columns)]
    lines += ["\t".join(row.get(column, "") for column in table.columns) for row in table.rows]
    return "\n".join(lines) + "\n"


def write_table(table: ManifestTable, path: Path) -> None:
    atomic_write_text(path, table_text(table))
