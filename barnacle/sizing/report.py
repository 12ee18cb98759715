"""`make plan`'s printout: the figures of a RunPlan, each beside where it comes from."""

from __future__ import annotations

from barnacle.sizing.figures import PageFigures
from barnacle.sizing.plan import MEM_MARGIN, TIME_MARGIN, RunPlan


def _size(count: int) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if count >= scale:
            return f"{count / scale:,.1f} {unit}"
    return f"{count / 1e3:,.1f} kB"


def plan_lines(plan: RunPlan, figures: PageFigures) -> list[str]:
    """The plan as the lines `barnacle plan` prints."""
    cpu = figures.cpu_s_per_page
    lines = [
        f"manifests {plan.manifests:,} ({plan.manifests_unreadable:,} unreadable), "
        f"pages {plan.pages:,} (largest manifest {plan.largest_manifest_pages:,} pages)",
        f"CPU: {plan.ocr_cpu_hours:,.1f} CPU-hours of OCR at {cpu.value:g} {cpu.unit} a page; "
        f"{plan.allocated_cpu_hours:,.1f} CPU-hours allocated with CPUS={plan.cpus} "
        f"(task start-up {figures.task_start_s.value:g} s each)",
        f"wall time: {plan.wall_hours:,.1f} hours with {plan.tasks_at_once:,} task(s) at once "
        f"(THROTTLE) of CPUS={plan.cpus} each",
        f"per array task: MEM={plan.mem} ({figures.worker_gib.value:g} GiB + CPUS x "
        f"{figures.page_process_gib.value:g} GiB, x{MEM_MARGIN:g}), TIME={plan.time} "
        f"(the largest manifest, x{TIME_MARGIN:g})",
        "disk:",
    ]
    lines += [f"  {what:<14} {_size(count):>10}" for what, count in plan.disk_bytes.items()]
    lines += [f"note: {note}" for note in plan.notes]
    lines.append("figures used (per page unless said; re-measure on your nodes, FIGURES=FILE):")
    named = figures.model_dump(exclude={"export_bytes_per_page"})
    named |= {f"export {k}": v for k, v in figures.model_dump()["export_bytes_per_page"].items()}
    for name, figure in named.items():
        lines.append(f"  {name} = {figure['value']:,.10g} {figure['unit']}: {figure['source']}")
        lines.append(f"      re-measure: {figure['remeasure']}")
    return lines
