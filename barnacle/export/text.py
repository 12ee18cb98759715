"""Plain text of one manifest: each page's text in canvas order, pages separated by form feed."""

from __future__ import annotations

from barnacle.export.records import ManifestRecords


def manifest_text(records: ManifestRecords) -> str:
    """The pages' text joined by `\\f`, ending in a newline."""
    return "\f".join(item.record.text for item in records.pages) + "\n"
