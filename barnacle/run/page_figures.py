"""Reading the figures of page records fast: everything before `text`, not the text itself.

PageRecord puts `text` and `ocr_lines` (the bulk of a record) last, so each line is cut at
`,"text":` and only the head is parsed. A line where that cut does not give valid JSON (a
metadata key named "text", say) is parsed whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_CUT = b',"text":'


def page_figures(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a JSONL file without `text` and `ocr_lines`; torn lines are skipped."""
    with path.open("rb") as handle:
        for line in handle:
            if not line.endswith(b"\n"):
                continue  # a torn last line: not a record (yet)
            head, cut, _ = line.partition(_CUT)
            try:
                record = json.loads(head + b"}") if cut else json.loads(line)
            except ValueError:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                record.pop("text", None)
                record.pop("ocr_lines", None)
            if isinstance(record, dict):
                yield record
