"""Search benchmark: build `search.sqlite` (SQLite FTS5) for a synthetic run of 500,000 pages
of 30 lines each, then time queries (median and p95) within one manifest and across the run.
Targets: the index built in under 10 minutes on 2 CPUs, a query under 100 ms at p95.

    .venv/bin/python bench/bench_search.py [--pages 500000] [--manifests 2853] [--queries 400]
        [--keep DIR]

Lines are drawn from a 30,000-word vocabulary with Zipf-like frequencies, so queries cover rare
words, common ones (in most lines) and pairs; a query is the index lookup, the count (capped),
the first page of 50 hits and its Content Search 2.0 JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # for tests.support

from figures import work_folder  # noqa: E402

from barnacle.listing.manifest_table import manifest_sha1  # noqa: E402
from barnacle.view.content_search import PAGE_SIZE, search_page  # noqa: E402
from barnacle.view.search_index import SearchIndex  # noqa: E402
from tests.support.manifest_tables import write_manifest_table  # noqa: E402

LINES = 30
VOCABULARY = 30_000


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    letters = "abcdefghijklmnopqrstuvwxyzäéö"
    words = sorted({"".join(rng.choices(letters, k=rng.randint(3, 10))) for _ in range(VOCABULARY)})
    rng.shuffle(words)
    weights = [1 / (rank + 1) for rank in range(len(words))]
    return words, weights


def _record_text(url: str, page: int, texts: list[str]) -> str:
    lines = [
        {
            "text": text,
            "baseline": [[120, 230 + 60 * i], [1800, 232 + 60 * i]],
            "boundary": [
                [120, 200 + 60 * i],
                [1800, 200 + 60 * i],
                [1800, 240 + 60 * i],
                [120, 240 + 60 * i],
            ],
            "confidence": 0.5 + (hash((url, page, i)) % 500) / 1000,
        }
        for i, text in enumerate(texts)
    ]
    record = {
        "created_at": "2026-01-20T10:00:00+00:00",
        "page_key": f"{url}|{page}",
        "canvas_index": page,
        "engine": "kraken",
        "model": {"ref": "barnacle-demo", "resolved": "/m", "sha256": "ab" * 32},
        "manifest_url": url,
        "canvas_id": f"{url}/canvas/{page}",
        "image_url": f"{url}/img/{page}/full/!3000,3000/0/default.jpg",
        "elapsed_ms": 20000.0,
        "canvas_label": f"p. {page + 1}",
        "metadata": {},
        "engine_version": "7.1.1",
        "barnacle_version": "0.1.0",
        "host": "node01",
        "image": {"sha256": "d" * 64, "width": 2000, "height": 3000},
        "lines": len(lines),
        "chars": sum(len(t) for t in texts),
        "timings_ms": {"fetch": 800.0, "decode": 60.0, "segment": 21000.0, "recognise": 1600.0},
        "text": "\n".join(texts),
        "ocr_lines": lines,
    }
    return json.dumps(record, separators=(",", ":"))


def make_run(run_dir: Path, pages: int, manifests: int, rng: random.Random) -> list[str]:
    words, weights = vocabulary(rng)
    cumulative = []
    total = 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    urls = [f"https://iiif.example.org/book/{i:05d}/manifest" for i in range(manifests)]
    write_manifest_table(run_dir, urls)
    (run_dir / "ocr").mkdir(parents=True)
    per = pages // manifests
    for number, url in enumerate(urls):
        count = per + (1 if number < pages - per * manifests else 0)
        with (run_dir / "ocr" / f"{manifest_sha1(url)}.jsonl").open("w") as handle:
            for page in range(count):
                drawn = rng.choices(words, cum_weights=cumulative, k=LINES * 9)
                texts = [" ".join(drawn[9 * i : 9 * i + 9]) for i in range(LINES)]
                handle.write(_record_text(url, page, texts) + "\n")
    return words


def time_queries(
    index: SearchIndex, words: list[str], sha1s: list[str], count: int, rng: random.Random
) -> dict[str, list[float]]:
    """Milliseconds per query, by kind."""
    kinds = {
        "rare word, whole run": lambda: (rng.choice(words[10_000:]), None),
        "common word, whole run": lambda: (rng.choice(words[:20]), None),
        "two words, whole run": lambda: (
            f"{rng.choice(words[:300])} {rng.choice(words[:300])}",
            None,
        ),
        "word, one manifest": lambda: (rng.choice(words[:3000]), rng.choice(sha1s)),
        "page 20 of a common word": lambda: (rng.choice(words[:5]), None),
    }
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    for number in range(count):
        kind = list(kinds)[number % len(kinds)]
        q, sha1 = kinds[kind]()
        page = 20 if kind.startswith("page 20") else 0
        begun = time.perf_counter()
        matches = index.search(q, sha1, page * PAGE_SIZE, PAGE_SIZE)
        search_page(
            matches,
            q,
            "http://127.0.0.1:8183/search",
            page,
            PAGE_SIZE,
            lambda sha1, canvas: (4000, 6000),
        )
        times[kind].append((time.perf_counter() - begun) * 1000)
    return times


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500_000)
    parser.add_argument("--manifests", type=int, default=2853)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--keep", type=Path, help="build the run here and keep it")
    args = parser.parse_args()
    rng = random.Random(13)
    with work_folder(args.keep, "bench-search-") as work:
        run_dir = work / "bench"
        begun = time.monotonic()
        words = make_run(run_dir, args.pages, min(args.manifests, args.pages), rng)
        jsonl_gb = sum(p.stat().st_size for p in (run_dir / "ocr").iterdir()) / 1e9
        print(
            f"synthetic run: {args.pages} pages x {LINES} lines, "
            f"{jsonl_gb:.2f} GB of JSONL, made in {time.monotonic() - begun:.0f} s"
        )
        index = SearchIndex(run_dir / "search.sqlite")
        begun = time.monotonic()
        indexed = index.refresh(run_dir)
        build = time.monotonic() - begun
        size_gb = (run_dir / "search.sqlite").stat().st_size / 1e9
        print(
            f"index build: {build:.1f} s for {len(indexed)} manifests "
            f"({args.pages / build:.0f} pages/s), search.sqlite {size_gb:.2f} GB"
        )
        begun = time.monotonic()
        again = index.refresh(run_dir)
        print(
            f"incremental refresh, nothing changed: {time.monotonic() - begun:.2f} s "
            f"({len(again)} manifests re-indexed)"
        )
        sha1s = [p.name.removesuffix(".jsonl") for p in (run_dir / "ocr").glob("*.jsonl")]
        time_queries(index, words, sha1s, 20, rng)  # warm the page cache
        times = time_queries(index, words, sha1s, args.queries, rng)
        every = [t for values in times.values() for t in values]
        print(
            f"queries: {len(every)}, median {statistics.median(every):.1f} ms, "
            f"p95 {_p95(every):.1f} ms, max {max(every):.1f} ms"
        )
        for kind, values in times.items():
            print(
                f"  {kind:<26} median {statistics.median(values):7.1f} ms  "
                f"p95 {_p95(values):7.1f} ms"
            )
        verdict = "met" if _p95(every) < 100 and build < 600 else "NOT met"
        print(f"targets (p95 < 100 ms, build < 600 s): {verdict}")


if __name__ == "__main__":
    main()
