"""Splitting N tasks into job arrays no larger than the cluster's MaxArraySize allows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ArrayChunk:
    offset: int  # task i of this array runs task-list line offset + i
    count: int  # tasks 1..count
    array: str  # the --array value, e.g. "1-1000%20"


def array_spec(count: int, throttle: int | None = None) -> str:
    """`1-count`, with `%throttle` (most tasks running at once) when throttle is set."""
    if count < 1:
        raise ValueError("an array needs at least one task")
    spec = f"1-{count}"
    return f"{spec}%{throttle}" if throttle else spec


def plan_arrays(n_tasks: int, max_array_size: int, throttle: int | None = None) -> list[ArrayChunk]:
    """Chunks of at most MaxArraySize - 1 tasks (indexes 1..count must stay < MaxArraySize)."""
    if max_array_size < 2:
        raise ValueError(f"MaxArraySize {max_array_size} leaves no room for index 1")
    if throttle is not None and throttle < 0:
        raise ValueError("throttle must be 0 (none) or more")
    size = max_array_size - 1
    chunks = []
    for offset in range(0, n_tasks, size):
        count = min(size, n_tasks - offset)
        chunks.append(ArrayChunk(offset, count, array_spec(count, throttle)))
    return chunks
