"""A run's manifests.tsv for a list of manifest URLs, written by the product's own table code
(as list-manifests would write it for a plain list): for tests and benchmarks that build
synthetic runs."""

from __future__ import annotations

from pathlib import Path

from barnacle.listing import CollectionSnapshot, SnapshotEntry, build_table, write_table


def write_manifest_table(run_dir: Path, urls: list[str]) -> None:
    """`run_dir`/manifests.tsv listing `urls` in order, without labels or metadata."""
    entries = [SnapshotEntry(manifest_url=url) for url in urls]
    snapshot = CollectionSnapshot(source="synthetic", source_kind="txt-list", entries=entries)
    run_dir.mkdir(parents=True, exist_ok=True)
    write_table(build_table(snapshot, run_dir), run_dir / "manifests.tsv")
