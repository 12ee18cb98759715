"""What the benchmarks share: a work folder that is removed at the end unless the user keeps
it (`--keep DIR`), and a stopwatch of wall-clock and CPU seconds (a shared machine stretches
the first, not the second, so the benchmarks print both).

Imported as `figures` by the scripts beside it (`python bench/bench_x.py` puts bench/ on
sys.path).
"""

from __future__ import annotations

import resource
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@contextmanager
def work_folder(keep: Path | None, prefix: str) -> Iterator[Path]:
    """`keep` (created if missing, left in place), else a new temporary folder named
    `prefix`..., removed at the end whatever happens."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Timing:
    """Seconds of one timed block: wall-clock, and CPU of this process and its children."""

    wall_s: float = 0.0
    cpu_s: float = 0.0


def cpu_seconds() -> float:
    """User + system seconds of this process and of its children that have ended."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextmanager
def stopwatch() -> Iterator[Timing]:
    """Times the block; the Timing it yields is filled in when the block ends."""
    timing = Timing()
    wall, cpu = time.perf_counter(), cpu_seconds()
    try:
        yield timing
    finally:
        timing.wall_s = time.perf_counter() - wall
        timing.cpu_s = cpu_seconds() - cpu
