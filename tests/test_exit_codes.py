"""The exit codes written outside Python agree with barnacle.defaults.ExitCode.

The sbatch script cannot import them, so it names each code it gives itself (EXIT_NAME=N);
this test holds those names and numbers to ExitCode's, and finds no bare number passed on.
"""

from __future__ import annotations

import re

from barnacle.defaults import ExitCode

from support.paths import REPO

SBATCH = REPO / "slurm" / "ocr-array.sbatch"


def test_sbatch_exit_codes_are_exit_code_by_name() -> None:
    text = SBATCH.read_text()
    named = dict(re.findall(r"^EXIT_([A-Z_]+)=(\d+)$", text, re.M))
    assert named, f"{SBATCH} names no exit code (EXIT_NAME=N)"
    assert {name: int(code) for name, code in named.items()} == {
        name: int(ExitCode[name]) for name in named
    }
    bare = re.findall(r"\b(?:finish|exit) \d+", text)
    assert not bare, f"exit codes typed as numbers in {SBATCH}: {bare}"
