"""Stages 1 and 2: SOURCE -> snapshot (`collection.json`) -> `manifests.tsv`."""

from barnacle.hashing import manifest_sha1
from barnacle.listing.manifest_table import build_table, write_table
from barnacle.listing.snapshot import CollectionSnapshot, SnapshotEntry
from barnacle.listing.sources import SourceError, fetch_snapshot
from barnacle.run_folder.manifest_rows import read_table  # manifests.tsv: a run-folder file

__all__ = [
    "CollectionSnapshot",
    "SnapshotEntry",
    "SourceError",
    "build_table",
    "fetch_snapshot",
    "manifest_sha1",
    "read_table",
    "write_table",
]
