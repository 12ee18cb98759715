"""A manifest's output files and the page-level resume they allow (their names:
barnacle.run_folder).

<out>.part          records of finished pages, one whole line each, appended and fsynced
<out>               the same file, renamed once every page is done: "manifest complete"
<out>.errors.jsonl  pages that failed in the last run (retried on the next one)
<sha1>.stats.json   the page figures of the finished `<out>`, for `make summary`
"""

from __future__ import annotations

import logging
import os
from contextlib import suppress
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel

from barnacle.atomic import atomic_write_bytes
from barnacle.oserrors import with_path
from barnacle.pause_points import hold, pause_point, pause_wanted
from barnacle.run_folder import errors_of, part_of
from barnacle.run_folder.manifest_stats import write_stats
from barnacle.run_folder.record_lines import parse_line, raw_lines

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


def _page_key(record: dict[str, Any] | None) -> str | None:
    key = record.get("page_key") if record is not None else None
    return key if isinstance(key, str) else None


def repair_and_read_keys(path: Path, plan_keys: set[str] | None = None) -> list[str]:
    """The page keys recorded in `path`, in order, after making the file whole again.

    Lines are read by the one reader of record files (barnacle.run_folder.record_lines). A
    crash can leave a torn last line (no newline, or not JSON): the crash being resumed, it is
    cut off so that page is redone. A torn line elsewhere, or a record that repeats a key, is
    dropped with a warning naming the file and line; so is, when `plan_keys` is given, a record
    whose key is not in the current page plan (another model, image size or page set), so a
    finished file never mixes two plans or holds two records for one canvas. The file is
    rewritten atomically only when something had to go.
    """
    if not path.exists():
        return []
    lines = list(raw_lines(path))
    keys: list[str] = []
    seen: set[str] = set()
    kept: list[bytes] = []
    torn: list[int] = []
    repeated = foreign = 0
    for position, line in enumerate(lines):
        key = _page_key(parse_line(line.data) if line.ended else None)
        if key is None:
            if position < len(lines) - 1:
                torn.append(line.number)
            else:
                log.info("%s: cut off its torn last line (the crash being resumed)", path)
            continue
        if key in seen:
            repeated += 1
        elif plan_keys is not None and key not in plan_keys:
            foreign += 1
        else:
            seen.add(key)
            keys.append(key)
            kept.append(line.data)
    whole = b"".join(line + b"\n" for line in kept)
    if whole != path.read_bytes():
        _warn_dropped(path, torn, repeated, foreign)
        atomic_write_bytes(path, whole)
    return keys


def _warn_dropped(path: Path, torn: list[int], repeated: int, foreign: int) -> None:
    if torn:
        lines = ", ".join(str(number) for number in torn)
        log.warning("%s: dropped torn line(s) %s; those pages are redone", path, lines)
    if repeated:
        log.warning("%s: dropped %d repeated record(s)", path, repeated)
    if foreign:
        log.warning(
            "%s: dropped %d record(s) not in this page plan (another model, size or page "
            "set); those pages are redone",
            path,
            foreign,
        )


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
        self.part = part_of(out)
        self.errors = errors_of(out)
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
