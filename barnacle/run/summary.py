"""`make summary` (`barnacle summary`): what a run has done, from its files: summary.json
and a table.

Counts of manifests are the states of barnacle.run.status ("failed": no page done, errors
recorded); `pages.errors` counts failed pages (error records of a page); `failed_manifests`
lists the manifests with errors recorded that are not complete (failed or partial), the ones
`failed-manifests.txt` names.
"""

from __future__ import annotations

import json
import os
import statistics
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from barnacle.atomic import atomic_write_text
from barnacle.hashing import manifest_sha1
from barnacle.run.layout import ocr_dir, read_manifests
from barnacle.run.manifest_stats import Page, read_pages, read_stats
from barnacle.run.status import RunStatus, run_status

# Where `make summary` keeps the page figures it read from each file, with the file's size and
# mtime, to reuse while those are unchanged (named apart from the image cache, CACHE_DIR).
# Runs summarised before kept them in `.summary-cache`: no longer read, they are worked out
# anew from the files.
PAGE_FIGURES_DIR = ".summary-page-figures"


def _stamp(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def _cached(path: Path, cache: Path) -> list[Page] | None:
    try:
        data = json.loads((cache / f"{path.name}.json").read_text())
        if data["stamp"] == _stamp(path):
            pages: list[Page] = [tuple(page) for page in data["pages"]]
            return pages
    except (OSError, ValueError, KeyError):
        pass
    return None


def _store(path: Path, cache: Path, pages: list[Page]) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    atomic_write_text(
        cache / f"{path.name}.json", json.dumps({"stamp": _stamp(path), "pages": pages})
    )


_finished: dict[Path, list[Page]] = {}  # finished files read by the last summarize()


def _finished_pages(path: Path, cache: Path | None) -> list[Page] | None:
    """A finished file's figures from its stats file, else the summary cache; None if
    neither has them. Kept for the rest of this process (the chart reads them again)."""
    pages = _finished.get(path)
    if pages is None:
        pages = read_stats(path)
        if pages is None and cache is not None:
            pages = _cached(path, cache)
        if pages is not None:
            _finished[path] = pages
    return pages


def pages_of(path: Path, cache: Path | None = None) -> list[Page]:
    """The figures of every page in `path`. A finished `.jsonl` has them in its stats file
    (written by the worker); without one (an older run), they are read from the records once
    and kept in `cache` (keyed by size and mtime), so later summaries do not read it again."""
    if not path.name.endswith(".jsonl"):
        return read_pages(path)
    pages = _finished_pages(path, cache)
    if pages is None:
        pages = read_pages(path)
        if cache is not None:
            _store(path, cache, pages)
    return pages


def warm_cache(paths: list[Path], cache: Path) -> None:
    """Read the finished files with neither a stats file nor a cache entry, on every CPU."""
    todo = [path for path in paths if _finished_pages(path, cache) is None]
    if len(todo) < 8:
        return
    workers = max(1, len(os.sched_getaffinity(0)))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for path, pages in zip(todo, pool.map(read_pages, todo, chunksize=16), strict=True):
            _store(path, cache, pages)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _errors(path: Path) -> list[dict[str, Any]]:
    records = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return records


def _reason(error: dict[str, Any]) -> str:
    status = error.get("status")
    kind = str(error.get("kind", "unknown"))
    return f"{kind} (HTTP {status})" if status else kind


@dataclass
class _Tally:
    """What the run's record, part and error files say, manifest by manifest."""

    pages: list[Page] = field(default_factory=list)
    per_manifest: dict[str, list[float]] = field(default_factory=dict)
    errors_by_reason: Counter[str] = field(default_factory=Counter)
    error_pages: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)


def _tally(run_dir: Path) -> _Tally:
    """Read the pages of every manifest (finished, else its `.part`) and, for those not
    complete, their error records."""
    folder = ocr_dir(run_dir)
    cache = run_dir / PAGE_FIGURES_DIR
    tally = _Tally()
    rows = read_manifests(run_dir)
    finished = [folder / f"{manifest_sha1(row['manifest_url'])}.jsonl" for row in rows]
    warm_cache([path for path in finished if path.exists()], cache)
    for row in rows:
        url = row["manifest_url"]
        base = folder / f"{manifest_sha1(url)}.jsonl"
        complete = base.exists()
        source = base if complete else base.with_name(base.name + ".part")
        if source.exists():
            found = pages_of(source, cache)
            tally.pages += found
            if found:  # an empty .part (every page failed) has no time per page
                tally.per_manifest[url] = [seconds for _, seconds, _, _ in found]
        errors_file = base.with_name(base.name + ".errors.jsonl")
        if not complete and errors_file.exists():
            errors = _errors(errors_file)
            tally.error_pages += sum(1 for e in errors if e.get("canvas_index", -1) >= 0)
            tally.errors_by_reason.update(_reason(e) for e in errors)
            tally.failed.append(
                {
                    "manifest_url": url,
                    "output": str(base),
                    "pages_done": len(tally.per_manifest.get(url, [])),
                    "errors": len(errors),
                    "first_error": errors[0].get("message", "") if errors else "",
                }
            )
    return tally


def _rates(pages: list[Page]) -> dict[str, Any]:
    """When the first page started and the last ended, pages an hour (of the wall clock and
    of page processes), and the spread of seconds a page."""
    seconds = [s for _, s, _, _ in pages]
    start = min(t - s for t, s, _, _ in pages)
    end = max(t for t, _, _, _ in pages)
    wall_hours = max(end - start, 1e-9) / 3600
    cpu_hours = sum(seconds) / 3600
    return {
        "started_at": datetime.fromtimestamp(start, UTC).isoformat(),
        "last_page_at": datetime.fromtimestamp(end, UTC).isoformat(),
        "rates": {
            "wall_hours": round(wall_hours, 4),
            "pages_per_hour": round(len(pages) / wall_hours, 1),
            "page_process_hours": round(cpu_hours, 4),
            "pages_per_cpu_hour": round(len(pages) / cpu_hours, 1) if cpu_hours else None,
        },
        "page_seconds": {
            "median": round(statistics.median(seconds), 2),
            "p90": round(_percentile(seconds, 0.9), 2),
            "max": round(max(seconds), 2),
        },
    }


def _slowest_manifests(per_manifest: dict[str, list[float]]) -> list[dict[str, Any]]:
    """The ten manifests with the most seconds a page."""
    slowest = sorted(per_manifest.items(), key=lambda kv: -sum(kv[1]) / len(kv[1]))[:10]
    return [
        {
            "manifest_url": url,
            "pages": len(times),
            "seconds_per_page": round(sum(times) / len(times), 2),
        }
        for url, times in slowest
    ]


def _hosts(pages: list[Page]) -> dict[str, dict[str, Any]]:
    """Pages done and pages an hour of each host."""
    hosts: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for page_end, secs, host, _ in pages:
        hosts[host].append((page_end, secs))
    return {
        host: {
            "pages": len(items),
            "pages_per_hour": round(
                len(items)
                * 3600
                / max(max(f for f, _ in items) - min(f - s for f, s in items), 1e-9),
                1,
            ),
        }
        for host, items in sorted(hosts.items())
    }


def summarize(run_dir: Path, status: RunStatus | None = None) -> dict[str, Any]:
    """Everything `make summary` reports, as one JSON-able dict."""
    status = status or run_status(run_dir)
    _finished.clear()  # read afresh; the chart drawn after this summary reuses what is read
    tally = _tally(run_dir)
    pages = tally.pages
    empty = sum(1 for page in pages if page[3])
    summary: dict[str, Any] = {
        "run": run_dir.name,
        "generated_at": datetime.now(UTC).isoformat(),
        "manifests": {
            "total": status.total,
            **{
                k: status.counts.get(k, 0)
                for k in ("complete", "running", "partial", "failed", "not_started")
            },
        },
        "pages": {"done": len(pages), "empty_text": empty, "errors": tally.error_pages},
        "errors_by_reason": dict(tally.errors_by_reason.most_common()),
        "failed_manifests": tally.failed,
    }
    if pages:
        summary |= _rates(pages)
        summary["slowest_manifests"] = _slowest_manifests(tally.per_manifest)
        summary["hosts"] = _hosts(pages)
    return summary


def timeline(run_dir: Path) -> list[tuple[float, str]]:
    """(finished epoch, host) of every page done, oldest first: for the chart."""
    points = []
    for path in ocr_dir(run_dir).glob("*.jsonl*"):
        if path.name.endswith((".jsonl", ".jsonl.part")):
            points += [(t, host) for t, _, host, _ in pages_of(path, run_dir / PAGE_FIGURES_DIR)]
    return sorted(points)


def summary_lines(summary: dict[str, Any]) -> list[str]:
    m, p = summary["manifests"], summary["pages"]
    out = [
        f"run {summary['run']}",
        f"  manifests  {m['total']:>8}  complete {m['complete']}, partial {m['partial']}, "
        f"failed (no page done) {m['failed']}, queued/running {m['running']}, "
        f"not started {m['not_started']}",
        f"  pages done {p['done']:>8}  empty text {p['empty_text']}, pages failed {p['errors']}",
    ]
    if "rates" in summary:
        r, s = summary["rates"], summary["page_seconds"]
        out.append(
            f"  rate       {r['pages_per_hour']:>8} pages/hour wall-clock, "
            f"{r['pages_per_cpu_hour']} pages per page-process hour"
        )
        out.append(f"  page time  median {s['median']} s, p90 {s['p90']} s, max {s['max']} s")
        out.append(
            "  hosts      "
            + ", ".join(
                f"{h}: {v['pages']} pages, {v['pages_per_hour']}/h"
                for h, v in summary["hosts"].items()
            )
        )
        out.append("  slowest manifests (seconds per page):")
        out += [
            f"    {x['seconds_per_page']:>8}  {x['pages']:>5} pages  {x['manifest_url']}"
            for x in summary["slowest_manifests"][:5]
        ]
    if summary["errors_by_reason"]:
        out.append("  errors by reason:")
        out += [f"    {n:>6}  {reason}" for reason, n in summary["errors_by_reason"].items()]
    if summary["failed_manifests"]:
        out.append(
            f"  manifests with errors, not complete ({len(summary['failed_manifests'])}; "
            "make resubmit-failed):"
        )
        out += [
            f"    {x['manifest_url']}  ({x['errors']} errors: {x['first_error'][:80]})"
            for x in summary["failed_manifests"][:10]
        ]
    return out
