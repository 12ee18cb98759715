"""A manifest's output files and the page-level resume they allow.

<out>.part          records of finished pages, one whole line each, appended and fsynced
<out>               the same file, renamed once every page is done: "manifest complete"
<out>.errors.jsonl  pages that failed in the last run (retried on the next one)
<sha1>.stats.json   the page figures of the finished `<out>`, for `make summary`
"""

from __future__ import annotations

import json
import logging
import os
from contextlib import suppress
from pathlib import Path
from typing import IO

from pydantic import BaseModel

from barnacle.atomic import atomic_write_bytes
from barnacle.oserrors import with_path
from barnacle.pause_points import hold, pause_point, pause_wanted
from barnacle.run.manifest_stats import write_stats

log = logging.getLogger(__name__)


# Characters that JSON leaves raw in strings but that many line readers (Python's
# str.splitlines, JavaScript) take for line ends; escaped, a record is always one line.
_LINE_BREAKERS = (
    (b"\xc2\x85", b"\\u0085"),
    (b"\xe2\x80\xa8", b"\\u2028"),
    (b"\xe2\x80\xa9", b"\\u2029"),
)


def jsonl_line(record: BaseModel) -> bytes:
    """`record` as one JSONL line (UTF-8), which every line reader sees as one line."""
    data = record.model_dump_json().encode("utf-8")
    for raw, escaped in _LINE_BREAKERS:
        if raw in data:
            data = data.replace(raw, escaped)
    return data + b"\n"


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


def repair_and_read_keys(path: Path, plan_keys: set[str] | None = None) -> list[str]:
    """The page keys recorded in `path`, in order, after making the file whole again.

    A crash can leave a torn last line (no newline, or not JSON): it is cut off so that page is
    redone. A line that is not a record, or repeats a key, is dropped; so is, when `plan_keys`
    is given, a record whose key is not in the current page plan (another model, image size or
    page set), so a finished file never mixes two plans or holds two records for one canvas.
    The file is rewritten atomically only when something had to go.
    """
    if not path.exists():
        return []
    data = path.read_bytes()
    keys: list[str] = []
    seen: set[str] = set()
    kept: list[bytes] = []
    dropped = foreign = 0
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        key = _page_key(line)
        if key is None or key in seen:
            dropped += 1
            continue
        if plan_keys is not None and key not in plan_keys:
            foreign += 1
            continue
        seen.add(key)
        keys.append(key)
        kept.append(line)
    whole = b"".join(line + b"\n" for line in kept)
    if whole != data:
        if dropped:
            log.warning(
                "%s: dropped %d torn or repeated line(s); those pages are redone", path, dropped
            )
        if foreign:
            log.warning(
                "%s: dropped %d record(s) not in this page plan (another model, size or page "
                "set); those pages are redone",
                path,
                foreign,
            )
        atomic_write_bytes(path, whole)
    return keys


def append_line(handle: IO[bytes], path: Path, line: bytes, sync: bool) -> None:
    """Append `line` (unbuffered `handle` on `path`) whole or not at all.

    A write that fails part-way (disk full: the kernel writes what fits, then refuses) is cut
    back off, so the file never ends in a torn line; the error raised names `path`.
    """
    fd = handle.fileno()
    start = os.lseek(fd, 0, os.SEEK_END)
    try:
        rest = memoryview(line)
        if pause_wanted("append"):  # crash tests hold here: half a line written
            rest = rest[os.write(fd, rest[: len(line) // 2]) :]
            hold("append")
        while rest:
            rest = rest[os.write(fd, rest) :]
        if sync:
            os.fsync(fd)
    except OSError as err:
        with suppress(OSError):
            os.ftruncate(fd, start)
        raise with_path(err, path)  # noqa: B904 - with_path chains it


class RecordWriter:
    """Appends records to `<out>.part`, one write of one whole line each, fsynced.

    A write that fails (disk full) leaves the file as it was and raises an OSError naming it.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self.part = part_path(out)
        self.errors = errors_path(out)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            self._handle: IO[bytes] = self.part.open("ab", buffering=0)
        except OSError as err:
            raise with_path(err, self.part)  # noqa: B904 - with_path chains it
        self._errors: IO[bytes] | None = None

    def write(self, record: BaseModel) -> None:
        append_line(self._handle, self.part, jsonl_line(record), sync=True)

    def write_error(self, record: BaseModel) -> None:
        if self._errors is None:
            # this run's errors replace the last run's
            self._errors = self.errors.open("wb", buffering=0)
        append_line(self._errors, self.errors, jsonl_line(record), sync=False)

    def close(self) -> None:
        self._handle.close()
        if self._errors is not None:
            self._errors.close()

    def finish(self) -> None:
        """Every page is done: `<out>.part` becomes `<out>` in one rename. The last run's
        errors go first, so a crash in between never leaves a complete `<out>` beside them.
        The stats file is written before the rename and names the size of what it describes."""
        self.close()
        write_stats(self.part, self.out)
        self.errors.unlink(missing_ok=True)
        pause_point("rename")  # crash tests hold here: every record written, not renamed
        os.replace(self.part, self.out)
