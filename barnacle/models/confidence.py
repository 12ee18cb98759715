"""Flagging manifests whose text is probably garbage because the model does not fit the
material: a mean line confidence below LOW_CONFIDENCE.

Measured here: the demo model on real printed scans scores 0.79-0.87 on average, on the
sample pages it was made for 0.97-0.999. A model that suits the material is usually above
0.9, so below that a manifest is flagged "model likely wrong for this material" in `make
summary` (summary.json: low_confidence_manifests) and `make status`. The mean is taken over
the first CONFIDENCE_PAGES pages with lines of each manifest (`line_confidence` of the
records). A finished manifest's figure is in its `ocr/<sha1>.stats.json`
(barnacle.run_folder.manifest_stats), so `make status` opens one small file per finished manifest;
an unfinished one, or one whose stats file predates the figure, has its first records read.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from barnacle.hashing import manifest_sha1
from barnacle.run_folder import RunFolder, is_part
from barnacle.run_folder.manifest_stats import head_confidence, read_confidence
from barnacle.run_folder.record_lines import TornLine, iter_record_lines

log = logging.getLogger(__name__)

LOW_CONFIDENCE = 0.9
FLAG = "model likely wrong for this material"


def manifest_confidence(path: Path) -> tuple[float | None, int]:
    """(mean line confidence, pages it is taken over) of a records file's first pages: from
    the stats file of a finished `.jsonl` when it has the figure, else from the records."""
    if not is_part(path):
        found = read_confidence(path)
        if found is not None:
            return found
    return head_confidence(_records_reporting_torn(path))


def _records_reporting_torn(path: Path) -> Iterator[dict[str, Any]]:
    """The records of `path`, read as far as they are asked for; torn lines met are logged."""
    for item in iter_record_lines(path, figures_only=True):
        if not isinstance(item, TornLine):
            yield item[1]
        elif not item.resumed:
            log.warning("%s (not counted in the mean line confidence)", item.message())


def low_confidence_manifests(
    run_dir: Path, threshold: float = LOW_CONFIDENCE
) -> list[dict[str, Any]]:
    """The run's manifests (finished or partial) whose mean line confidence is below
    `threshold`, lowest first."""
    run = RunFolder(run_dir)
    found = []
    for row in run.read_manifests():
        sha1 = manifest_sha1(row["manifest_url"])
        out = run.output(sha1)
        try:
            mean, pages = manifest_confidence(out if out.exists() else run.part(sha1))
        except FileNotFoundError:  # not started, or its .part renamed meanwhile
            continue
        if mean is not None and mean < threshold:
            found.append(
                {
                    "manifest_url": row["manifest_url"],
                    "mean_line_confidence": round(mean, 3),
                    "pages_sampled": pages,
                }
            )
    return sorted(found, key=lambda item: item["mean_line_confidence"])


def low_confidence_lines(found: list[dict[str, Any]], limit: int = 10) -> list[str]:
    """The lines `make status` and `make summary` print for the flagged manifests."""
    if not found:
        return []
    out = [
        f"  {len(found)} manifest(s) with mean line confidence below {LOW_CONFIDENCE}: {FLAG} "
        "(pass MODEL=...; see README, Models)"
    ]
    out += [
        f"    {item['mean_line_confidence']:.3f}  {item['manifest_url']}" for item in found[:limit]
    ]
    return out
