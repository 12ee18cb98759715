"""What went wrong while exporting, named by file and line, so the rest can still be exported."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel


class Problem(BaseModel):
    """One thing an export could not do: a torn or foreign line, a page without geometry, a
    canvas without a size, a source manifest that is not in the cache."""

    file: str
    line: int | None = None  # 1-based line of the JSONL; None for the file as a whole
    message: str

    @classmethod
    def at(cls, file: Path, line: int | None, message: str) -> Problem:
        return cls(file=str(file), line=line, message=message)

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.message}"
