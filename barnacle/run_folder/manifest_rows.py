"""Reading runs/<RUN>/manifests.tsv (written by barnacle.listing.manifest_table): one row per
manifest, as a dict keyed by column name."""

from __future__ import annotations

from pathlib import Path


def read_table(path: Path) -> list[dict[str, str]]:
    """The rows of a `manifests.tsv`, as dicts keyed by column name. Lines end at "\n" only:
    a label may hold other characters that str.splitlines would break at."""
    lines = [line.removesuffix("\r") for line in path.read_text(encoding="utf-8").split("\n")]
    if not lines:
        return []
    columns = lines[0].split("\t")
    return [dict(zip(columns, line.split("\t"), strict=False)) for line in lines[1:] if line]
