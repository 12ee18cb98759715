"""`ocr/<sha1>.stats.json`: the page figures of a finished manifest, for fast summaries.

The worker writes it (atomically) just before `<sha1>.jsonl.part` becomes `<sha1>.jsonl`, so
`make summary` reads a few kilobytes per finished manifest instead of its records (9.6 GiB for
500,000 pages). It names the byte size of the JSONL it describes: a stats file that does not
match its JSONL (a crash between the two, a hand-edited file) is ignored and the JSONL read.
It also carries the mean line confidence of the manifest's first CONFIDENCE_PAGES pages with
lines, the figure behind the low-confidence flag of `make status` and `make summary`
(barnacle.models.confidence); stats files written before it was added lack it.

It is a file of the run folder that the worker writes and `make summary` reads, so it lives
here, below both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from barnacle.atomic import atomic_write_text
from barnacle.run_folder.folder import stats_of
from barnacle.run_folder.record_lines import read_record_lines

Page = tuple[float, float, str, bool]  # finished (epoch), seconds, host, empty text
STATS_VERSION = 2
CONFIDENCE_PAGES = 10  # the low-confidence flag's sample: the first pages with lines


def _page(record: dict[str, Any]) -> Page:
    finished = datetime.fromisoformat(record["created_at"]).timestamp()
    seconds = float(record.get("elapsed_ms", 0.0)) / 1000
    return finished, seconds, str(record.get("host", "?")), record.get("chars", 1) == 0


def read_pages(path: Path) -> tuple[list[Page], list[str]]:
    """(the figures of every whole record in the records file `path`, text not parsed; the
    torn lines found, as messages): torn lines are not counted, and reported by the caller."""
    lines = read_record_lines(path, figures_only=True)
    return [_page(record) for record in lines.dicts()], [torn.message() for torn in lines.torn]


def head_confidence(records: Iterable[dict[str, Any]]) -> tuple[float | None, int]:
    """(mean `line_confidence`, pages it is taken over) of the first CONFIDENCE_PAGES records
    that have one (pages with lines); (None, 0) without any. Stops reading there."""
    values: list[float] = []
    for record in records:
        value = record.get("line_confidence")
        if isinstance(value, (int, float)):
            values.append(float(value))
            if len(values) >= CONFIDENCE_PAGES:
                break
    return (sum(values) / len(values) if values else None), len(values)


def write_stats(records: Path, out: Path) -> None:
    """Write the stats of `records` (the `.part` about to become `out`) next to `out`.

    Columns of integers, quick to parse: page end times in ms after `t0`, page times in
    0.1 ms, each page's host as an index into `hosts`, the positions of pages with no text."""
    heads = read_record_lines(records, figures_only=True).dicts()  # made whole by the worker
    pages = [_page(record) for record in heads]
    mean, sampled = head_confidence(heads)
    t0 = min((t for t, _, _, _ in pages), default=0.0)
    hosts = sorted({host for _, _, host, _ in pages})
    number = {host: n for n, host in enumerate(hosts)}
    data = {
        "version": STATS_VERSION,
        "bytes": records.stat().st_size,
        "pages": len(pages),
        "t0": t0,
        "finished_ms": [round((t - t0) * 1000) for t, _, _, _ in pages],
        "elapsed_tenth_ms": [round(s * 10000) for _, s, _, _ in pages],
        "hosts": hosts,
        "host": [number[host] for _, _, host, _ in pages],
        "empty": [n for n, page in enumerate(pages) if page[3]],
        "line_confidence": {"mean": mean, "pages": sampled},
    }
    atomic_write_text(stats_of(out), json.dumps(data, separators=(",", ":")) + "\n")


def _matching_stats(out: Path, size: int | None) -> dict[str, Any] | None:
    """The stats file of `out` when it describes `out` as it is now (same byte size)."""
    try:
        data = json.loads(stats_of(out).read_bytes())
        if size is None:
            size = out.stat().st_size
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    if data.get("version") != STATS_VERSION or data.get("bytes") != size:
        return None
    return data


def read_stats(out: Path, size: int | None = None) -> list[Page] | None:
    """The page figures of the finished `out` from its stats file; None when there is none or
    it does not describe `out` as it is now (then read `out` itself). `size`: `out`'s size when
    the caller has it."""
    data = _matching_stats(out, size)
    if data is None:
        return None
    try:
        t0, hosts, empty = float(data["t0"]), data["hosts"], set(data["empty"])
        return [
            (t0 + finished / 1000, elapsed / 10000, hosts[host], n in empty)
            for n, (finished, elapsed, host) in enumerate(
                zip(data["finished_ms"], data["elapsed_tenth_ms"], data["host"], strict=True)
            )
        ]
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None


def read_confidence(out: Path) -> tuple[float | None, int] | None:
    """(mean line confidence, pages sampled) of the finished `out` from its stats file; None
    when there is none, it does not describe `out`, or it predates the figure (then read the
    head of `out`: barnacle.models.confidence)."""
    data = _matching_stats(out, None)
    figure = data.get("line_confidence") if data is not None else None
    if not isinstance(figure, dict):
        return None
    mean, pages = figure.get("mean"), figure.get("pages")
    if not isinstance(pages, int) or not (mean is None or isinstance(mean, (int, float))):
        return None
    return (None if mean is None else float(mean)), pages
