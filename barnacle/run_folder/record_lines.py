"""The one reader of page-record files (ocr/<sha1>.jsonl, its .part, its .errors.jsonl), with
one policy for torn lines.

A worker appends each record as one whole line, so a line that does not end in a newline, or is
not a JSON object, was torn: by a crash while it was written, or by a hand edit. The torn last
line of a `.part` file is the crash a rerun resumes from (the worker cuts it off and redoes that
page): it is set aside, as `resumed_tail`, not reported. Any other torn line is reported, as a
TornLine naming the file and line, and never silently skipped: each reader says what it does
with them (export lists them as problems, the viewer refuses to index the file, ...).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PART_SUFFIX = ".part"
# PageRecord puts `text` and `ocr_lines` (the bulk of a record) last: cut there, the head of a
# line parses in a fraction of the time (the figures of a page: times, host, confidence, ...).
_TEXT_CUT = b',"text":'


@dataclass(frozen=True)
class TornLine:
    """A line of a record file that is not a whole record."""

    path: Path
    line: int  # 1-based
    reason: str
    resumed: bool = False  # a .part's torn last line: the crash a rerun resumes from

    def message(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass
class RecordLines:
    """The records of one file, each with its line number, and the torn lines found."""

    path: Path
    records: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    torn: list[TornLine] = field(default_factory=list)
    resumed_tail: bool = False  # a .part's torn last line: the crash a rerun resumes from

    def dicts(self) -> list[dict[str, Any]]:
        return [record for _, record in self.records]


@dataclass(frozen=True)
class RawLine:
    """One non-blank line of a record file as bytes, and whether it ends in a newline."""

    number: int
    data: bytes
    ended: bool


def raw_lines(path: Path) -> Iterator[RawLine]:
    """The non-blank lines of `path`, in order, without their newline."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            ended = line.endswith(b"\n")
            data = line.rstrip(b"\r\n") if ended else line
            if data.strip():
                yield RawLine(number, data, ended)


def parse_line(data: bytes, *, figures_only: bool = False) -> dict[str, Any] | None:
    """The JSON object on a line, None when it is not one. `figures_only`: without `text` and
    `ocr_lines` (parsed from the head of the line when the cut gives valid JSON)."""
    if figures_only:
        head, cut, _ = data.partition(_TEXT_CUT)
        if cut:
            try:
                record = json.loads(head + b"}")
            except ValueError:
                pass
            else:
                if isinstance(record, dict):
                    return record
    try:
        record = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(record, dict):
        return None
    if figures_only:
        record.pop("text", None)
        record.pop("ocr_lines", None)
    return record


def iter_record_lines(
    path: Path, *, figures_only: bool = False
) -> Iterator[tuple[int, dict[str, Any]] | TornLine]:
    """The records of `path` in order, as (line number, record), each torn line in its place as
    a TornLine: the torn last line of a `.part` with `resumed` set (not to be reported), any
    other not. Read lazily, so a reader that needs only the first records stops early."""
    part = path.name.endswith(PART_SUFFIX)
    lines = raw_lines(path)
    line = next(lines, None)
    while line is not None:
        following = next(lines, None)
        record = parse_line(line.data, figures_only=figures_only) if line.ended else None
        if record is not None:
            yield line.number, record
        else:
            reason = "not JSON" if line.ended else "no newline at its end"
            resumed = following is None and part
            yield TornLine(path, line.number, f"torn line ({reason})", resumed)
        line = following


def read_record_lines(path: Path, *, figures_only: bool = False) -> RecordLines:
    """Every record of `path` as a dict, with torn lines set aside by the policy above."""
    result = RecordLines(path)
    for item in iter_record_lines(path, figures_only=figures_only):
        if not isinstance(item, TornLine):
            result.records.append(item)
        elif item.resumed:
            result.resumed_tail = True
        else:
            result.torn.append(item)
    return result
