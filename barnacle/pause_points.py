"""Named pause points for crash tests: a worker holds at a chosen moment until told to go on.

Off unless the environment names a phase: `BARNACLE_TEST_PAUSE_AT=append:2` (the second time
this process reaches the `append` point) and `BARNACLE_TEST_PAUSE_DIR=<folder>`. Reaching it,
the process writes `<folder>/<phase>.<pid>.reached` and waits until `<folder>/<phase>.go`
exists (or PAUSE_LIMIT_S pass), so a test can kill it there, at that moment every time.

Phases: `download` (an image half written to the cache), `lock` (the lock's body written, not
yet linked in place), `append` (half a record line written), `ocr` (a page about to be
recognised), `rename` (every record written, `.part` not yet renamed), `finish` (renamed,
the lock still held).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

PAUSE_AT_ENV = "BARNACLE_TEST_PAUSE_AT"
PAUSE_DIR_ENV = "BARNACLE_TEST_PAUSE_DIR"
PAUSE_LIMIT_S = 120.0
_hits: Counter[str] = Counter()


def pause_wanted(phase: str) -> bool:
    """True when this call of `phase` is the one the test asked to hold at (counts the call)."""
    wanted = os.environ.get(PAUSE_AT_ENV)
    if not wanted:
        return False
    name, _, nth = wanted.partition(":")
    if name != phase:
        return False
    _hits[phase] += 1
    return _hits[phase] == (int(nth) if nth.isdigit() else 1)


def pause_point(phase: str, prepare: Callable[[], None] | None = None) -> None:
    """Hold here if a test asked for `phase` (see the module docstring); else do nothing.
    `prepare` runs first (flush a file, say), so what the test sees on disk is there."""
    if not pause_wanted(phase):
        return
    if prepare is not None:
        prepare()
    hold(phase)


def hold(phase: str) -> None:
    """Announce that `phase` is reached and wait for the test's go (after pause_wanted)."""
    folder = Path(os.environ.get(PAUSE_DIR_ENV) or ".")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{phase}.{os.getpid()}.reached").write_text(str(os.getpid()))
    deadline = time.monotonic() + PAUSE_LIMIT_S
    while not (folder / f"{phase}.go").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
