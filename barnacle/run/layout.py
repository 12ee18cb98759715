"""Where a run keeps its files: runs/<RUN>/..."""

from __future__ import annotations

from pathlib import Path

from barnacle.listing.manifest_table import read_table


def manifests_tsv(run_dir: Path) -> Path:
    return run_dir / "manifests.tsv"


def ocr_dir(run_dir: Path) -> Path:
    return run_dir / "ocr"


def summary_json(run_dir: Path) -> Path:
    return run_dir / "summary.json"


def read_manifests(run_dir: Path) -> list[dict[str, str]]:
    """The rows of runs/<RUN>/manifests.tsv; a clear error when it is missing."""
    path = manifests_tsv(run_dir)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: run `make list-manifests RUN=...` (or `make run`) first"
        )
    return read_table(path)
