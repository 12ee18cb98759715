"""Checks on a worker's output files after crashes and failed writes."""

from __future__ import annotations

import json
from pathlib import Path

from barnacle.run_folder import errors_of, lock_of, part_of


def whole_records(path: Path) -> list[dict]:
    """The records of a JSONL file whose every line must be whole: ends and parses."""
    data = path.read_bytes()
    assert not data or data.endswith(b"\n"), f"{path} ends in a torn line"
    return [json.loads(line) for line in data.split(b"\n")[:-1]]


def assert_complete(out: Path, pages: int) -> list[dict]:
    """`out` holds each of `pages` pages exactly once, and nothing is left beside it."""
    records = whole_records(out)
    keys = [r["page_key"] for r in records]
    assert len(keys) == len(set(keys)) == pages
    assert sorted(r["canvas_index"] for r in records) == list(range(pages))
    assert not part_of(out).exists() and not lock_of(out).exists()
    assert not errors_of(out).exists()
    return records
