"""Run `python -m barnacle ...` from the repository root as a user would, output captured."""

from __future__ import annotations

import subprocess
import sys

from support.paths import REPO


def barnacle(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The finished `barnacle` command: exit code, stdout and stderr as text."""
    return subprocess.run(
        [sys.executable, "-m", "barnacle", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
