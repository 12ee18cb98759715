"""Run `python -m barnacle ...` from the repository root as a user would, output captured."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


def ocr_command(url: str, out: Path, cache: Path, *options: str) -> list[str]:
    """The argv of `barnacle ocr` on one manifest with one page process and no progress bar,
    for tests that start it themselves (Popen, a full disk); `options` come last."""
    command = [sys.executable, "-m", "barnacle", "ocr", url, "--out", str(out)]
    return [*command, "--cache-dir", str(cache), "--page-processes", "1", "--no-progress", *options]
