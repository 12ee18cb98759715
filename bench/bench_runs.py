"""Run-level benchmark: `make status` and `make summary` on a synthetic run of 2,853 manifests
and 500,000 page records (targets: under 2 s, and under 10 s for the first summary from a cold
page cache), and the overhead of one array task from its start to its first page (imports,
model load, manifest).

Finished manifests have their stats file (ocr/<sha1>.stats.json) as the worker writes it;
`--without-stats` removes them to time the summary of an older run (it reads every record).
The page cache is dropped before the cold pass: /proc/sys/vm/drop_caches when root may write
it, and posix_fadvise(DONTNEED) on every file of the run in any case.

    .venv/bin/python bench/bench_runs.py [--manifests 2853] [--pages 500000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # for tests.support

from figures import Timing, stopwatch, work_folder  # noqa: E402

from barnacle.listing.manifest_table import manifest_sha1  # noqa: E402
from barnacle.run_folder import RunFolder, stats_of  # noqa: E402
from barnacle.run_folder.manifest_stats import write_stats  # noqa: E402
from barnacle.sample.serve import serve_sample  # noqa: E402
from tests.support.manifest_tables import write_manifest_table  # noqa: E402


def _record_template() -> str:
    """A realistic record (30 lines of text with geometry) with holes for what varies."""
    lines = [
        {
            "text": "Lorem ipsum dolor sit amet, consectetur adipiscing elit sed do",
            "baseline": [[120, 200 + 60 * i], [1800, 202 + 60 * i]],
            "boundary": [[120 + 80 * k, 170 + 60 * i + (k % 3)] for k in range(20)]
            + [[1800 - 80 * k, 210 + 60 * i] for k in range(20)],
            "confidence": 0.93,
        }
        for i in range(30)
    ]
    record = {
        "created_at": "@CREATED@",
        "page_key": "@KEY@",
        "canvas_index": -999,
        "engine": "kraken",
        "model": {
            "ref": "barnacle-demo",
            "resolved": "/models/demo.safetensors",
            "sha256": "ab" * 32,
        },
        "manifest_url": "@URL@",
        "canvas_id": "@URL@/canvas/@I@",
        "image_url": "https://iiif.example.org/iiif/2/x/full/!3000,3000/0/default.jpg",
        "elapsed_ms": -888.0,
        "source_metadata_id": "99106449843506421",
        "ark": "ark:/88435/dckk91g0036",
        "canvas_label": "p. @I@",
        "metadata": {},
        "engine_version": "7.1.1",
        "barnacle_version": "0.1.0",
        "git_commit": "c" * 40,
        "container": None,
        "host": "@HOST@",
        "slurm": {"job_id": "123", "array_job_id": "120", "array_task_id": "3"},
        "image": {
            "sha256": "d" * 64,
            "width": 2000,
            "height": 3000,
            "bytes": 900000,
            "cache_hit": False,
        },
        "lines": 30,
        "chars": -777,
        "timings_ms": {"fetch": 800.0, "decode": 60.0, "segment": 21000.0, "recognise": 1600.0},
        "text": "\n".join(line["text"] for line in lines),
        "ocr_lines": lines,
    }
    return json.dumps(record, separators=(",", ":"))


def make_synthetic_run(run_dir: Path, manifests: int, pages: int) -> None:
    template = _record_template()
    urls = [
        f"https://figgy.example.org/concern/scanned_resources/{i:05d}/manifest"
        for i in range(manifests)
    ]
    write_manifest_table(run_dir, urls)
    (run_dir / "ocr").mkdir(parents=True)
    start = datetime(2026, 1, 20, 10, tzinfo=UTC)
    per = pages // manifests
    done = 0
    for number, url in enumerate(urls):
        count = per + (1 if number < pages - per * manifests else 0)
        # 2% of manifests unfinished (.part), the rest complete.
        name = f"{manifest_sha1(url)}.jsonl" + (".part" if number % 50 == 7 else "")
        with (run_dir / "ocr" / name).open("w") as handle:
            for page in range(count):
                when = start + timedelta(seconds=done * 0.5)
                line = (
                    template.replace("@CREATED@", when.isoformat())
                    .replace("@KEY@", f"{url}|{page}")
                    .replace("@URL@", url)
                    .replace("@I@", str(page))
                    .replace("@HOST@", f"node{number % 50:02d}")
                    .replace("-999", str(page))
                    .replace("-888.0", str(20000.0 + page))
                    .replace("-777", "0" if page % 40 == 0 else "1900")
                )
                handle.write(line + "\n")
                done += 1
        if not name.endswith(".part"):  # finished: the worker wrote its stats file
            write_stats(run_dir / "ocr" / name, run_dir / "ocr" / name)


def drop_page_cache(run_dir: Path) -> str:
    """Evict the run's files from the page cache; says how."""
    for path in run_dir.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)
    try:
        subprocess.run(["sync"], check=True)
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError as err:
        return f"posix_fadvise(DONTNEED) on every file; drop_caches not writable ({err.strerror})"
    return "drop_caches (as root) and posix_fadvise(DONTNEED) on every file"


def timed(command: list[str]) -> Timing:
    """Wall-clock and CPU seconds of `command` (a busy machine stretches the wall-clock time,
    not the CPU time)."""
    with stopwatch() as timing:
        subprocess.run(command, cwd=REPO, check=True, capture_output=True)
    return timing


def task_overhead(workdir: Path) -> tuple[float, float]:
    """(seconds from the task's start to its first page, seconds of that page)."""
    with serve_sample(REPO / "data" / "sample") as base:
        out = workdir / "one.jsonl"
        out.unlink(missing_ok=True)
        started = time.perf_counter()
        command = [sys.executable, "-m", "barnacle", "ocr", f"{base}/manifests/book1.json"]
        command += ["--out", str(out), "--max-pages", "1", "--page-processes", "1"]
        command += ["--cache-dir", str(workdir / "c"), "--no-progress"]
        subprocess.run(command, check=True, capture_output=True)
        total = time.perf_counter() - started
    page = json.loads(out.read_text().splitlines()[0])["elapsed_ms"] / 1000
    return total - page, page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifests", type=int, default=2853)
    parser.add_argument("--pages", type=int, default=500_000)
    parser.add_argument("--keep", type=Path, help="build the synthetic run here and keep it")
    parser.add_argument(
        "--without-stats",
        action="store_true",
        help="remove the stats files first: an older run's summary",
    )
    args = parser.parse_args()
    with work_folder(args.keep, "barnacle-bench-") as root:
        run_dir = root / "synthetic"
        if not (run_dir / "manifests.tsv").exists():
            with stopwatch() as making:
                make_synthetic_run(run_dir, args.manifests, args.pages)
            size = sum(p.stat().st_size for p in (run_dir / "ocr").iterdir()) / 2**30
            print(
                f"synthetic run: {args.manifests} manifests, {args.pages} page records, "
                f"{size:.2f} GiB, made in {making.wall_s:.0f} s"
            )
        if args.without_stats:
            for path in (run_dir / "ocr").glob("*.jsonl"):
                stats_of(path).unlink(missing_ok=True)
        barnacle = [sys.executable, "-m", "barnacle"]
        shutil.rmtree(RunFolder(run_dir).page_figures_cache, ignore_errors=True)
        how = drop_page_cache(run_dir)
        status = timed([*barnacle, "status", str(run_dir)])
        first = timed([*barnacle, "summarize", str(run_dir)])
        again = timed([*barnacle, "summarize", str(run_dir)])
        summary = json.loads((run_dir / "summary.json").read_text())
        stats = sum(1 for _ in (run_dir / "ocr").glob("*.stats.json"))
        print(f"page cache dropped before the first pass: {how}")
        load = os.getloadavg()[0]
        print(f"make status:  {status.wall_s:6.2f} s cold, {status.cpu_s:.2f} s CPU (target < 2 s)")
        print(
            f"make summary: {first.wall_s:6.2f} s cold first pass, {again.wall_s:.2f} s again, "
            f"{first.cpu_s:.2f} s CPU the first time; load average {load:.1f} on "
            f"{os.cpu_count()} CPUs (target < 10 s cold; {summary['pages']['done']} pages, "
            f"{stats} stats files, "
            f"{summary['manifests']['partial']} partial manifests read whole)"
        )
        overhead, page = task_overhead(root)
        print(
            "array task overhead (start to first page: imports, model, manifest): "
            f"{overhead:.1f} s, against {page:.1f} s for the page itself"
        )


if __name__ == "__main__":
    main()
