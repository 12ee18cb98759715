"""A run's size from its page counts and the per-page figures: CPU-hours, wall time at the
array throttle, the MEM and TIME each array task should ask for, and disk."""

from __future__ import annotations

import math

from pydantic import BaseModel

from barnacle.sizing.figures import EXPORT_FORMATS, PageFigures
from barnacle.sizing.page_counts import PageCounts

# MEM asks this much more than the measured peak, TIME twice the largest task's estimate:
# a task over either is killed by SLURM and its manifest must be resubmitted.
MEM_MARGIN = 1.25
TIME_MARGIN = 2.0
TIME_STEP_S = 15 * 60


class PlanSettings(BaseModel):
    """What the tasks are given (CPUS: one page process per CPU; THROTTLE; MAX_PAGES; GRES)
    and the export FORMATS whose disk is counted."""

    cpus: int = 1
    throttle: int = 0  # 0: every task at once
    max_pages: int | None = None
    gres: str | None = None
    formats: list[str] = list(EXPORT_FORMATS)


class RunPlan(BaseModel):
    manifests: int
    manifests_unreadable: int
    pages: int
    largest_manifest_pages: int
    cpus: int
    tasks_at_once: int
    ocr_cpu_hours: float
    allocated_cpu_hours: float
    wall_hours: float
    mem: str
    time: str
    disk_bytes: dict[str, int]
    notes: list[str]


def slurm_time(seconds: float) -> str:
    """sbatch --time for `seconds`, rounded up to TIME_STEP_S: [D-]HH:MM:SS."""
    steps = max(1, math.ceil(seconds / TIME_STEP_S))
    total = steps * TIME_STEP_S
    days, rest = divmod(total, 86_400)
    clock = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:00"
    return f"{days}-{clock}" if days else clock


def task_mem_gb(cpus: int, figures: PageFigures) -> int:
    """sbatch --mem in whole GB for a task of `cpus` page processes, with MEM_MARGIN."""
    peak_gib = figures.worker_gib.value + cpus * figures.page_process_gib.value
    return math.ceil(peak_gib * 2**30 * MEM_MARGIN / 1e9)


def task_seconds(pages: int, cpus: int, figures: PageFigures) -> float:
    """Wall seconds of one array task: start-up, then its pages over `cpus` page processes."""
    return figures.task_start_s.value + pages * figures.cpu_s_per_page.value / cpus


def _notes(settings: PlanSettings, counts: PageCounts) -> list[str]:
    notes: list[str] = []
    if counts.problems:
        first = next(iter(counts.problems.values()))
        notes.append(
            f"{len(counts.problems)} manifest(s) could not be read, not counted (each one's "
            f"error in page-counts.tsv; the next plan tries them again): {first}"
        )
    if settings.gres and "gpu" in settings.gres:
        notes.append(
            "GRES asks for a GPU: no GPU figures are measured yet, so the CPU figures are used "
            "(bench/bench_gpu.py measures pages/hour on a GPU)"
        )
    return notes


def plan_run(counts: PageCounts, settings: PlanSettings, figures: PageFigures) -> RunPlan:
    """One array task per manifest with pages; each task's pages at most MAX_PAGES."""
    limit = settings.max_pages or None
    per_task = [min(n, limit) if limit else n for n in counts.pages.values() if n > 0]
    pages = sum(per_task)
    cpus = max(settings.cpus, 1)
    seconds = [task_seconds(n, cpus, figures) for n in per_task]
    lanes = min(settings.throttle or len(per_task), len(per_task)) or 1
    largest = max(per_task, default=0)
    disk = {
        "image cache": round(pages * figures.image_bytes_per_page.value),
        "records": round(pages * figures.record_bytes_per_page.value),
    }
    for fmt in settings.formats:
        disk[f"export {fmt}"] = round(pages * figures.export_bytes_per_page[fmt].value)
    return RunPlan(
        manifests=len(counts.pages),
        manifests_unreadable=len(counts.problems),
        pages=pages,
        largest_manifest_pages=largest,
        cpus=cpus,
        tasks_at_once=lanes,
        ocr_cpu_hours=pages * figures.cpu_s_per_page.value / 3600,
        allocated_cpu_hours=sum(seconds) * cpus / 3600,
        wall_hours=max(sum(seconds) / lanes, max(seconds, default=0.0)) / 3600,
        mem=f"{task_mem_gb(cpus, figures)}G",
        time=slurm_time(TIME_MARGIN * task_seconds(largest, cpus, figures)),
        disk_bytes=disk,
        notes=_notes(settings, counts),
    )
