"""README's reference names every make variable, environment variable and exit code that the
Makefile and barnacle/defaults.py define, so a user reading it misses none."""

from __future__ import annotations

import re

from barnacle.defaults import ExitCode

from support.paths import REPO


def _reference() -> str:
    readme = (REPO / "README.md").read_text()
    start = readme.index("\n## Reference\n")
    end = readme.find("\n## ", start + 1)
    return readme[start : end if end > 0 else None]


def test_every_makefile_variable_is_in_the_reference() -> None:
    makefile = (REPO / "Makefile").read_text()
    variables = set(re.findall(r"^([A-Z][A-Z0-9_]*) *\?=", makefile, re.MULTILINE))
    assert {"RUN", "MEM", "BARNACLE_CONTACT", "VIEW_TOKEN"} <= variables
    reference = _reference()
    missing = sorted(name for name in variables if f"`{name}`" not in reference)
    assert not missing, f"README's Reference lacks {missing}"


def test_every_exit_code_is_in_the_reference() -> None:
    reference = _reference()
    for code in ExitCode:
        assert f"| {code.value} | `{code.name}` |" in reference, code
