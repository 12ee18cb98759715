"""`make clean-cache RUN=...`: remove the cached page images of the run's finished manifests.

Only page images go: the cached manifests stay (the IIIF export reads them), and so do the
info.json files (small) and the segmentations (a rerun with another model reuses them).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from barnacle.cache_upkeep.run_images import run_images


class CleanReport(BaseModel):
    finished_manifests: int
    unfinished_manifests: int
    removed_files: int
    removed_bytes: int
    kept_files: int  # images of manifests not finished, left in place
    dry_run: bool

    def line(self, cache_dir: Path) -> str:
        verb = "would remove" if self.dry_run else "removed"
        return (
            f"{cache_dir}: {verb} {self.removed_files:,} page image(s), "
            f"{self.removed_bytes / 1e9:,.2f} GB, of {self.finished_manifests:,} finished "
            f"manifest(s); kept {self.kept_files:,} image(s) of {self.unfinished_manifests:,} "
            "manifest(s) not finished"
        )


def clean_run_images(
    run_dir: Path, cache_dir: Path, size: str, dry_run: bool = False
) -> CleanReport:
    """Remove (or with dry_run, count) the images only finished manifests use."""
    images = run_images(run_dir, cache_dir, size)
    removed_bytes = 0
    removed = 0
    for path in sorted(images.finished_only):
        try:
            removed_bytes += path.stat().st_size
            if not dry_run:
                path.unlink()
        except FileNotFoundError:
            continue  # removed meanwhile (another clean-cache)
        removed += 1
    return CleanReport(
        finished_manifests=images.finished_manifests,
        unfinished_manifests=images.unfinished_manifests,
        removed_files=removed,
        removed_bytes=removed_bytes,
        kept_files=len(images.needed),
        dry_run=dry_run,
    )
