"""The per-page figures a run's size is computed from, each with where it comes from and how
to measure it again on other machines.

The built-in figures were measured on the project's 2-core development machine (demo model,
pages requested at the default size `!3000,3000`). A user re-measures those that depend on the
machine (CPU time, memory) on a compute node with `bench/bench_worker.py --figures-out FILE`,
and those that depend on the collection (image, record and export bytes) on a trial run of
their own pages, writes them into FILE in the same form, and passes `make plan FIGURES=FILE`
(`barnacle plan --figures FILE`); figures missing from FILE keep these values.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

EXPORT_FORMATS = ("alto", "hocr", "page", "text", "iiif")


class Figure(BaseModel):
    """One measured number: its value, its unit, where it was measured, how to measure it."""

    model_config = ConfigDict(extra="forbid")

    value: float
    unit: str
    source: str
    remeasure: str


class PageFigures(BaseModel):
    """Everything `barnacle plan` multiplies by pages (or by tasks, for the start-up)."""

    model_config = ConfigDict(extra="forbid")

    cpu_s_per_page: Figure
    task_start_s: Figure
    page_process_gib: Figure
    worker_gib: Figure
    image_bytes_per_page: Figure
    record_bytes_per_page: Figure
    export_bytes_per_page: dict[str, Figure]


_BENCH_WORKER = "bench/bench_worker.py --figures-out FILE on a compute node, then FIGURES=FILE"
_TRIAL = "a trial run of your own pages (MAX_PAGES=5) with your MODEL"


def _export(value: float, what: str) -> Figure:
    return Figure(
        value=value,
        unit="bytes",
        source=f"make bench-export: {what} of 200 synthetic pages of 30 lines with "
        "per-character positions (bench/bench_export.py --pages 200 --keep DIR), per page",
        remeasure=_TRIAL + " and its make export: the bytes of the format's folder / its pages",
    )


BUILT_IN = PageFigures(
    cpu_s_per_page=Figure(
        value=14.46,
        unit="CPU seconds",
        source="make bench-worker: the worker did 498 pages/hour on 2 CPUs (2 page processes, "
        "Lapidus scans and sample pages, demo model): 2 x 3600 / 498 (bench/README.md)",
        remeasure=_BENCH_WORKER,
    ),
    task_start_s=Figure(
        value=6.0,
        unit="seconds per array task",
        source="make bench-runs: array task start to first page (imports, model, manifest)",
        remeasure="bench/bench_runs.py on the cluster (the figure it prints as task start-up)",
    ),
    page_process_gib=Figure(
        value=1.8,
        unit="GiB per page process",
        source="make bench-worker: peak RSS of one page process on 2388x3000 scans",
        remeasure=_BENCH_WORKER,
    ),
    worker_gib=Figure(
        value=0.1,
        unit="GiB per task",
        source="make bench-worker: peak RSS of the worker process beside its page processes",
        remeasure=_BENCH_WORKER,
    ),
    image_bytes_per_page=Figure(
        value=1_137_741,
        unit="bytes",
        source="data/lapidus/pages: the 2 real scans as their server sends them at "
        "!3000,3000 (2388x3000 and 2228x3000 JPEG), mean size",
        remeasure=_TRIAL + ": the mean `image.bytes` of its records",
    ),
    record_bytes_per_page=Figure(
        value=43_063,
        unit="bytes",
        source="make bench-export: ocr/*.jsonl of 200 synthetic pages of 30 lines with "
        "per-character positions, per page",
        remeasure=_TRIAL + ": the bytes of its ocr/*.jsonl / its pages",
    ),
    export_bytes_per_page={
        "alto": _export(114_289, "alto/ (one file a page)"),
        "hocr": _export(63_648, "hocr/"),
        "page": _export(94_087, "page/ (one file a page)"),
        "text": _export(1_918, "text/"),
        "iiif": _export(15_938, "iiif/ (manifest and annotation pages)"),
    },
)


def built_in_figures() -> PageFigures:
    return BUILT_IN.model_copy(deep=True)


def load_figures(path: Path | None) -> PageFigures:
    """The built-in figures, with those of the JSON file `path` (as bench_worker.py
    --figures-out writes it) in their place. ValueError names the file when it is unusable."""
    figures = built_in_figures()
    if path is None:
        return figures
    try:
        given = dict(json.loads(path.read_text(encoding="utf-8")))
        merged = figures.model_dump() | given
        merged["export_bytes_per_page"] = figures.model_dump()["export_bytes_per_page"] | dict(
            given.get("export_bytes_per_page", {})
        )
        return PageFigures.model_validate(merged)
    except (OSError, ValueError, TypeError, ValidationError) as err:
        raise ValueError(
            f"{path}: not a figures file ({str(err).splitlines()[0]}); write one with "
            "bench/bench_worker.py --figures-out FILE"
        ) from err
