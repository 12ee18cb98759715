"""How many pages each manifest of a run has, read through the worker's own manifest loading
(so a page here is a page the worker will OCR) and kept in runs/<RUN>/page-counts.tsv, so a
second `make plan` reads no manifest again."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pydantic import BaseModel

from barnacle.atomic import atomic_write_text
from barnacle.http_client import FetchError
from barnacle.iiif import IIIFError
from barnacle.images import ImageCache
from barnacle.run_folder import RunFolder
from barnacle.worker.manifest_source import load_manifest


class PageCounts(BaseModel):
    """Pages per manifest (by sha1), and the manifests that could not be read."""

    pages: dict[str, int]
    problems: dict[str, str]


def _count_one(url: str, cache_dir: Path) -> tuple[int, str]:
    """(pages, "") of one manifest, from the cache when it holds it, else fetched (and then
    cached, as the worker would); (0, why) when it cannot be read."""
    try:
        try:
            pages = load_manifest(url, ImageCache(cache_dir, offline=True)).pages
        except FetchError:
            pages = load_manifest(url, ImageCache(cache_dir)).pages
    except (FetchError, IIIFError, OSError, ValueError) as err:
        return 0, " ".join(str(err).split())
    return len(pages), ""


def _read_counts(path: Path) -> dict[str, tuple[int, str]]:
    if not path.is_file():
        return {}
    counts: dict[str, tuple[int, str]] = {}
    for line in path.read_text(encoding="utf-8").split("\n")[1:]:
        sha1, _, rest = line.partition("\t")
        pages, _, problem = rest.partition("\t")
        if sha1 and pages.isdigit():
            counts[sha1] = (int(pages), problem)
    return counts


def count_pages(run_dir: Path, cache_dir: Path, threads: int = 4) -> PageCounts:
    """Every manifest of runs/<RUN>/manifests.tsv counted; those already in page-counts.tsv
    without a problem are not read again, those with one are tried again."""
    run = RunFolder(run_dir)
    path = run.page_counts_tsv
    known = {sha1: got for sha1, got in _read_counts(path).items() if not got[1]}
    rows = run.read_manifests()
    todo = [row for row in rows if row["sha1"] not in known]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        found = pool.map(lambda row: _count_one(row["manifest_url"], cache_dir), todo)
        known.update(zip((row["sha1"] for row in todo), found, strict=True))
    lines = ["sha1\tpages\tproblem"]
    lines += [f"{row['sha1']}\t{known[row['sha1']][0]}\t{known[row['sha1']][1]}" for row in rows]
    atomic_write_text(path, "\n".join(lines) + "\n")
    return PageCounts(
        pages={row["sha1"]: known[row["sha1"]][0] for row in rows},
        problems={row["sha1"]: known[row["sha1"]][1] for row in rows if known[row["sha1"]][1]},
    )
