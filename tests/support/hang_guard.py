"""A guard against hangs for code a test calls in its own process (subprocesses have their
`timeout=`): the block must end within a generous limit, or SIGALRM interrupts it with a Hang
naming what hung. It catches a hang, not slowness: how long things take is measured in bench/
(bench/bench_hostile_input.py), not asserted in tests.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class Hang(BaseException):
    """Raised in the guarded block at its limit; a BaseException, so that the code under test
    cannot catch it as an ordinary error and carry on."""


@contextmanager
def no_hang(seconds: float, what: str) -> Iterator[None]:
    """Interrupt the block with Hang if it runs `seconds` (main thread only, as signals are)."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"{what}: still running after {seconds:g} s, a hang")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
