"""A manifest's output files and the page-level resume they allow.

<out>.part          records of finished pages, one whole line each, appended and fsynced
<out>               the same file, renamed once every page is done: "manifest complete"
<out>.errors.jsonl  pages that failed in the last run (retried on the next one)
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import IO

from pydantic import BaseModel

from barnacle.atomic import atomic_write_bytes

log = logging.getLogger(__name__)


def part_path(out: Path) -> Path:
    return out.with_name(out.name + ".part")


def errors_path(out: Path) -> Path:
    return out.with_name(out.name + ".errors.jsonl")


def _page_key(line: bytes) -> str | None:
    try:
        record = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    key = record.get("page_key") if isinstance(record, dict) else None
    return key if isinstance(key, str) else None


def repair_and_read_keys(path: Path) -> list[str]:
    """The page keys recorded in `path`, in order, after making the file whole again.

    A crash can leave a torn last line (no newline, or not JSON): it is cut off so that page is
    redone. A line that is not a record, or repeats a key, is dropped. The file is rewritten
    atomically only when something had to go.
    """
    if not path.exists():
        return []
    data = path.read_bytes()
    keys: list[str] = []
    seen: set[str] = set()
    kept: list[bytes] = []
    dropped = 0
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        key = _page_key(line)
        if key is None or key in seen:
            dropped += 1
            continue
        seen.add(key)
        keys.append(key)
        kept.append(line)
    whole = b"".join(line + b"\n" for line in kept)
    if whole != data:
        log.warning(
            "%s: dropped %d torn or repeated line(s); those pages are redone", path, dropped
        )
        atomic_write_bytes(path, whole)
    return keys


class RecordWriter:
    """Appends records to `<out>.part`, one write of one whole line each, flushed and fsynced."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.part = part_path(out)
        self.errors = errors_path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        self._handle: IO[bytes] = self.part.open("ab")
        self._errors: IO[bytes] | None = None

    @staticmethod
    def _line(record: BaseModel) -> bytes:
        return record.model_dump_json().encode("utf-8") + b"\n"

    def write(self, record: BaseModel) -> None:
        self._handle.write(self._line(record))
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def write_error(self, record: BaseModel) -> None:
        if self._errors is None:
            self._errors = self.errors.open("wb")  # this run's errors replace the last run's
        self._errors.write(self._line(record))
        self._errors.flush()

    def close(self) -> None:
        self._handle.close()
        if self._errors is not None:
            self._errors.close()

    def finish(self) -> None:
        """Every page is done: `<out>.part` becomes `<out>` in one rename."""
        self.close()
        os.replace(self.part, self.out)
        self.errors.unlink(missing_ok=True)
