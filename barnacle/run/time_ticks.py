"""Readable, distinct time-axis ticks for the progress chart, at any run length (UTC).

The step is the smallest round one (1 s ... 30 days) that gives at most `max_ticks` ticks; the
ticks sit on multiples of it and the labels show what changes between them: seconds for a
demo of a minute, hours and minutes for a day, dates for a run of weeks. So two ticks never
carry one label.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

MINUTE, HOUR, DAY = 60, 3600, 86400
STEPS = (
    1, 2, 5, 10, 15, 30,
    MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
    HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
    DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY,
)  # fmt: skip


def tick_step(span: float, max_ticks: int) -> int:
    for step in STEPS:
        if span / step <= max_ticks - 1:
            return step
    return math.ceil(span / (max_ticks - 1) / DAY) * DAY


def _format(step: int, start: datetime, end: datetime) -> str:
    if step >= DAY:
        return "%Y-%m-%d" if start.year != end.year else "%m-%d"
    clock = "%H:%M:%S" if step < MINUTE else "%H:%M"
    return f"%m-%d {clock}" if start.date() != end.date() else clock


def time_ticks(start: float, end: float, max_ticks: int = 7) -> tuple[list[tuple[float, str]], str]:
    """([(epoch, label)] of the ticks within [start, end], and what the labels leave out:
    the date when every tick falls on one day, as "2026-11-30 (UTC)", else "(UTC)")."""
    end = max(end, start + 1)
    step = tick_step(end - start, max_ticks)
    first = math.ceil(start / step) * step
    ticks = [float(first + n * step) for n in range(int((end - first) // step) + 1)]
    begin, finish = (datetime.fromtimestamp(t, UTC) for t in (start, end))
    pattern = _format(step, begin, finish)
    labels = [(t, datetime.fromtimestamp(t, UTC).strftime(pattern)) for t in ticks]
    same_day = begin.date() == finish.date() and step < DAY
    return labels, f"{begin:%Y-%m-%d} (UTC)" if same_day else "(UTC)"


def count_ticks(total: int, max_ticks: int = 6) -> list[int]:
    """Round page counts from 0 to at most `total` for the vertical axis."""
    if total <= 0:
        return [0]
    rough = total / max(1, max_ticks - 1)
    magnitude = 10 ** math.floor(math.log10(rough)) if rough >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)
    step = max(1, int(step))
    return list(range(0, total + 1, step))
