"""`ocr/<sha1>.stats.json`: the page figures of a finished manifest, for fast summaries.

The worker writes it (atomically) just before `<sha1>.jsonl.part` becomes `<sha1>.jsonl`, so
`make summary` reads a few kilobytes per finished manifest instead of its records (9.6 GiB for
500,000 pages). It names the byte size of the JSONL it describes: a stats file that does not
match its JSONL (a crash between the two, a hand-edited file) is ignored and the JSONL read.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from barnacle.atomic import atomic_write_text
from barnacle.run.page_figures import page_figures

Page = tuple[float, float, str, bool]  # finished (epoch), seconds, host, empty text
STATS_VERSION = 2


def stats_path(out: Path) -> Path:
    """`ocr/<sha1>.stats.json` for the output `ocr/<sha1>.jsonl`."""
    return out.with_name(out.name.removesuffix(".jsonl") + ".stats.json")


def read_pages(path: Path) -> list[Page]:
    """The figures of every whole record in the JSONL file `path` (text not parsed)."""
    return [
        (datetime.fromisoformat(r["created_at"]).timestamp(),
         float(r.get("elapsed_ms", 0.0)) / 1000, str(r.get("host", "?")), r.get("chars", 1) == 0)
        for r in page_figures(path)
    ]  # fmt: skip


def write_stats(records: Path, out: Path) -> None:
    """Write the stats of `records` (the `.part` about to become `out`) next to `out`.

    Columns of integers, quick to parse: page end times in ms after `t0`, page times in
    0.1 ms, each page's host as an index into `hosts`, the positions of pages with no text."""
    pages = read_pages(records)
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
    }
    atomic_write_text(stats_path(out), json.dumps(data, separators=(",", ":")) + "\n")


def read_stats(out: Path, size: int | None = None) -> list[Page] | None:
    """The page figures of the finished `out` from its stats file; None when there is none or
    it does not describe `out` as it is now (then read `out` itself). `size`: `out`'s size when
    the caller has it."""
    try:
        data = json.loads(stats_path(out).read_bytes())
        if size is None:
            size = out.stat().st_size
        if data.get("version") != STATS_VERSION or data.get("bytes") != size:
            return None
        t0, hosts, empty = float(data["t0"]), data["hosts"], set(data["empty"])
        return [
            (t0 + finished / 1000, elapsed / 10000, hosts[host], n in empty)
            for n, (finished, elapsed, host) in enumerate(
                zip(data["finished_ms"], data["elapsed_tenth_ms"], data["host"], strict=True)
            )
        ]
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None
