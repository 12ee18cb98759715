"""Flagging manifests whose text is probably garbage because the model does not fit the
material: a mean line confidence below LOW_CONFIDENCE.

Measured here: the demo model on real printed scans scores 0.79-0.87 on average, on the
sample pages it was made for 0.97-0.999. A model that suits the material is usually above
0.9, so below that a manifest is flagged "model likely wrong for this material" in `make
summary` (summary.json: low_confidence_manifests) and `make status`. The mean is taken over
the first SAMPLE_PAGES pages with lines of each manifest, read from the record heads
(`line_confidence`); a finished manifest's figure is kept in `runs/<RUN>/.confidence.json`
(by file size and mtime), so `make status` reads each finished file once, ever.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from barnacle.atomic import atomic_write_text
from barnacle.listing.manifest_table import manifest_sha1
from barnacle.run.layout import ocr_dir, read_manifests
from barnacle.run.page_figures import page_figures

LOW_CONFIDENCE = 0.9
SAMPLE_PAGES = 10
CACHE_NAME = ".confidence.json"
FLAG = "model likely wrong for this material"


def mean_line_confidence(lines: Sequence[dict[str, Any]]) -> float | None:
    """The mean confidence of a page's lines (as the engine returns them), None without any."""
    values = [line["confidence"] for line in lines if line.get("confidence") is not None]
    return round(sum(values) / len(values), 4) if values else None


def manifest_confidence(path: Path) -> tuple[float | None, int]:
    """(mean line confidence, pages it is taken over) of a records file's first pages."""
    values: list[float] = []
    for record in page_figures(path):
        value = record.get("line_confidence")
        if isinstance(value, (int, float)):
            values.append(float(value))
            if len(values) >= SAMPLE_PAGES:
                break
    return (sum(values) / len(values) if values else None), len(values)


def low_confidence_manifests(
    run_dir: Path, threshold: float = LOW_CONFIDENCE
) -> list[dict[str, Any]]:
    """The run's manifests (finished or partial) whose mean line confidence is below
    `threshold`, lowest first."""
    cache_path = run_dir / CACHE_NAME
    try:
        cache: dict[str, list[Any]] = json.loads(cache_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    fresh: dict[str, list[Any]] = {}
    found = []
    for row in read_manifests(run_dir):
        base = ocr_dir(run_dir) / f"{manifest_sha1(row['manifest_url'])}.jsonl"
        path = base if base.exists() else base.with_name(base.name + ".part")
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        stamp = [stat.st_size, stat.st_mtime_ns]
        cached = cache.get(path.name)
        if cached and cached[:2] == stamp:
            mean, pages = cached[2], cached[3]
        else:
            mean, pages = manifest_confidence(path)
        if path == base:  # finished: it will not change
            fresh[path.name] = [*stamp, mean, pages]
        if mean is not None and mean < threshold:
            found.append(
                {
                    "manifest_url": row["manifest_url"],
                    "mean_line_confidence": round(mean, 3),
                    "pages_sampled": pages,
                }
            )
    if fresh != cache:
        try:
            atomic_write_text(cache_path, json.dumps(fresh, sort_keys=True) + "\n")
        except OSError:
            pass  # a read-only run folder: figures are read again next time
    return sorted(found, key=lambda item: item["mean_line_confidence"])


def low_confidence_lines(found: list[dict[str, Any]], limit: int = 10) -> list[str]:
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
