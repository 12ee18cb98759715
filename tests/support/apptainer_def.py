"""A reader of Apptainer (Singularity) definition files, enough to check containers/barnacle.def
without apptainer: the header's `Key: value` lines before the first section, then `%section`
blocks, each the lines up to the next `%section`. Comments (`#` first on a line) and blank
lines are dropped from the header and from the labels and environment, kept in the scripts.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from pydantic import BaseModel

SECTION = re.compile(r"^%(\w+)\s*(.*)$")
HEADER = re.compile(r"^(\w+):\s*(.*?)\s*$")


class Definition(BaseModel):
    """A definition file: its header keys and its sections' lines (indentation removed)."""

    header: dict[str, str]
    sections: dict[str, list[str]]

    def labels(self) -> dict[str, str]:
        """%labels: `name value` per line."""
        pairs = (line.split(None, 1) for line in _content(self.sections.get("labels", [])))
        return {pair[0]: pair[1] if len(pair) > 1 else "" for pair in pairs}

    def environment(self) -> dict[str, str]:
        """%environment: the `export NAME=value` lines, values unquoted as a shell would."""
        exported = {}
        for line in _content(self.sections.get("environment", [])):
            words = shlex.split(line)
            if words[:1] == ["export"]:
                for word in words[1:]:
                    name, _, value = word.partition("=")
                    exported[name] = value
        return exported

    def script(self, name: str) -> list[str]:
        """A script section (%runscript, %test, %post...): its commands, comments left out."""
        return _content(self.sections.get(name, []))


def _content(lines: list[str]) -> list[str]:
    return [line for line in lines if line and not line.startswith("#")]


def read_definition(path: Path) -> Definition:
    """Parse `path`; a line before the first section that is neither a comment nor
    `Key: value` is an error (apptainer refuses it too)."""
    header: dict[str, str] = {}
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        started = SECTION.match(raw)
        if started:
            current = sections.setdefault(started.group(1), [])
        elif current is not None:
            current.append(line)
        elif line and not line.startswith("#"):
            key = HEADER.match(line)
            if key is None:
                raise ValueError(f"{path}:{number}: not a `Key: value` header line: {line!r}")
            header[key.group(1)] = key.group(2)
    for lines in sections.values():
        while lines and not lines[-1]:
            lines.pop()
    return Definition(header=header, sections=sections)
