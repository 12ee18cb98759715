"""Sizing a run before it starts (`make plan`): pages counted from the manifests, then CPU
time, wall time, MEM and TIME per array task, and disk, from per-page figures kept in
`figures.py`."""

from barnacle.sizing.figures import PageFigures, built_in_figures, load_figures
from barnacle.sizing.page_counts import PageCounts, count_pages
from barnacle.sizing.plan import PlanSettings, RunPlan, plan_run

__all__ = [
    "PageCounts",
    "PageFigures",
    "RunPlan",
    "PlanSettings",
    "built_in_figures",
    "count_pages",
    "load_figures",
    "plan_run",
]
