"""Read one finished JSONL into page records, keeping every good line and naming the bad ones.
Lines are read by the one reader of record files (barnacle.run_folder.record_lines)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ValidationError

from barnacle.export.problems import Problem
from barnacle.first_error import first_error
from barnacle.records.page_record import PageRecord
from barnacle.run_folder import TornLine, iter_record_lines, sha1_of

LINE_LEVEL_NOTE = (
    "written before records kept character positions: exported at line level (no word boxes)"
)


class NumberedRecord(BaseModel):
    """A page record and the JSONL line it came from (1-based)."""

    line: int
    record: PageRecord

    @property
    def word_level(self) -> bool:
        """Every non-empty line has one cut and one confidence per character."""
        return all(
            line.cuts is not None
            and line.confidences is not None
            and len(line.cuts) == len(line.text) == len(line.confidences)
            for line in self.record.ocr_lines
            if line.text
        )


class ManifestRecords(BaseModel):
    """The usable page records of one JSONL, in canvas order, and what was wrong."""

    path: Path
    pages: list[NumberedRecord]
    problems: list[Problem]
    notes: list[Problem]

    @property
    def sha1(self) -> str:
        return sha1_of(self.path)

    @property
    def manifest_url(self) -> str | None:
        return self.pages[0].record.manifest_url if self.pages else None


def read_manifest_records(path: Path) -> ManifestRecords:
    """The page records of `path`. A torn line (not JSON), a foreign one (JSON but not a page
    record), a second record for the same canvas or another manifest's record becomes a
    Problem naming the line; the other records are kept."""
    pages: dict[int, NumberedRecord] = {}
    problems: list[Problem] = []
    notes: list[Problem] = []
    manifest_url: str | None = None
    old_lines: list[int] = []
    for line in iter_record_lines(path):
        if isinstance(line, TornLine):
            if not line.resumed:  # a .part's torn tail is the crash a rerun resumes from
                problems.append(Problem.at(path, line.line, f"{line.reason}: skipped"))
            continue
        number, data = line
        try:
            record = PageRecord.model_validate(data)
        except ValidationError as err:
            message = f"not a page record ({first_error(err, 'record')}): skipped"
            problems.append(Problem.at(path, number, message))
            continue
        if manifest_url is None:
            manifest_url = record.manifest_url
        elif record.manifest_url != manifest_url:
            message = f"record of another manifest ({record.manifest_url}): skipped"
            problems.append(Problem.at(path, number, message))
            continue
        if record.canvas_index in pages:
            message = f"second record for canvas {record.canvas_index}: the first is kept"
            problems.append(Problem.at(path, number, message))
            continue
        item = NumberedRecord(line=number, record=record)
        pages[record.canvas_index] = item
        if not item.word_level:
            old_lines.append(number)
    if old_lines:
        shown = ", ".join(str(n) for n in old_lines[:10]) + (" ..." if len(old_lines) > 10 else "")
        notes.append(
            Problem.at(path, None, f"{len(old_lines)} page(s) {LINE_LEVEL_NOTE} (lines {shown})")
        )
    ordered = [pages[index] for index in sorted(pages)]
    return ManifestRecords(path=path, pages=ordered, problems=problems, notes=notes)
