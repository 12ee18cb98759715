"""Worker benchmark: per-page stage times and pages/hour, side by side on the same CPUs.

  (a) barnacle's worker (`process_manifest`: prefetch threads + one page process per CPU)
  (b) a `kraken` CLI process per page, one page at a time, as the original project did
  (c) the bare in-process limit: one single-thread process per CPU, models loaded once,
      images already on disk, kraken's own unmodified calls (no barnacle post-processing)
  (c') the same processes with the worker's engine (barnacle's faster post-processing)
  with the per-page split of each: network, ridge filter, polygons, recognition;
  and (a) again with the image server slowed to 1 s per image, from a cold cache.

Pages: the real Lapidus scans in data/lapidus/pages/ and the
bundled sample pages, served by the sample IIIF server on 127.0.0.1.

    .venv/bin/python bench/bench_worker.py [--pages 6] [--cpus 2] [--model PATH] [--skip-cli]
        [--figures-out FILE]

--figures-out FILE writes what (a) measured as the per-page figures of `make plan`
(barnacle/sizing/figures.py) that depend on the machine: CPU seconds a page, peak memory of a
page process and of the worker. `make plan FIGURES=FILE` then sizes a run with them.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from stage_timers import StageTimers, split_line

from barnacle.http_client import get_json
from barnacle.iiif import ImageRequest, manifest_from_json
from barnacle.images import ImageCache, fetch_image, size_page_request
from barnacle.model_files.resolve import resolve_model
from barnacle.ocr import KrakenEngine
from barnacle.records import PageRecord
from barnacle.sample.serve import serve_sample
from barnacle.worker import WorkerOptions, process_manifest
from barnacle.worker.output_files import RecordWriter

REPO = Path(__file__).resolve().parent.parent
LAPIDUS_PAGES = REPO / "data" / "lapidus" / "pages"
SAMPLE_PAGES = REPO / "data" / "sample" / "pages"


def _bench_collection(folder: Path, pages: int) -> list[Path]:
    """A one-book sample collection in `folder` with Lapidus pages first, then sample pages."""
    images = sorted(LAPIDUS_PAGES.glob("*.jpg")) + sorted(SAMPLE_PAGES.glob("*.jpg"))
    chosen = images[:pages]
    (folder / "pages").mkdir(parents=True)
    entries = []
    for number, image in enumerate(chosen, start=1):
        name = f"page{number}{image.suffix}"
        shutil.copy(image, folder / "pages" / name)
        entries.append({"id": f"bench-p{number}", "image": name, "label": image.stem[:12]})
    book = {"id": "bench", "label": "bench", "presentation": 3, "image_api": 3, "pages": entries}
    (folder / "books.json").write_text(json.dumps({"label": "bench", "books": [book]}))
    return chosen


class PeakRss:
    """Samples the RSS of a process tree; peak per process."""

    def __init__(self, root_pid: int) -> None:
        self.root = psutil.Process(root_pid)
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            for proc in procs:
                try:
                    rss = proc.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
                self.peaks[proc.pid] = max(self.peaks.get(proc.pid, 0), rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def report(self) -> str:
        return ", ".join(f"{rss / 2**30:.2f}" for rss in sorted(self.peaks.values(), reverse=True))


def run_worker(
    url: str, out: Path, cache: Path, model: Path, cpus: int
) -> tuple[float, list, dict[int, int]]:
    options = WorkerOptions(
        model=str(model), cache_dir=cache, page_processes=cpus, progress=False, resume=False
    )
    started = time.perf_counter()
    with PeakRss(os.getpid()) as rss:
        result = process_manifest(url, out, options)
    seconds = time.perf_counter() - started
    assert result.status == "complete", result
    print(f"    peak RSS per process (GiB): {rss.report()}")
    return seconds, [json.loads(line) for line in out.read_text().splitlines()], rss.peaks


def write_figures(path: Path, seconds: float, cpus: int, pages: int, peaks: dict[int, int]) -> None:
    """The per-page figures of `make plan` that depend on the machine, as (a) measured them,
    with where they come from. (Image and record bytes depend on the collection: a trial
    run measures those; see README, Sizing.)"""
    import datetime
    import socket

    from barnacle.sizing.figures import Figure

    where = (
        f"bench/bench_worker.py on {socket.gethostname()}, "
        f"{datetime.date.today().isoformat()}: {pages} pages, {cpus} page processes"
    )
    again = "bench/bench_worker.py --figures-out FILE on a compute node, then FIGURES=FILE"

    def figure(value: float, unit: str, what: str) -> dict:
        return Figure(
            value=value, unit=unit, source=f"{where}, {what}", remeasure=again
        ).model_dump()

    figures = {"cpu_s_per_page": figure(seconds * cpus / pages, "CPU seconds", "(a) warm cache")}
    children = [rss for pid, rss in peaks.items() if pid != os.getpid()]
    if children:  # with one page process the worker OCRs in its own process
        figures["page_process_gib"] = figure(
            max(children) / 2**30, "GiB per page process", "peak RSS"
        )
        worker = peaks.get(os.getpid(), 0) / 2**30
        figures["worker_gib"] = figure(worker, "GiB per task", "peak RSS of the worker")
    else:
        figures["page_process_gib"] = figure(
            peaks.get(os.getpid(), 0) / 2**30, "GiB per page process", "peak RSS (in-process)"
        )
    path.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"figures for make plan written to {path}")


def run_cli(images: list[Path], model: Path, workdir: Path) -> float:
    kraken = Path(sys.executable).parent / "kraken"
    started = time.perf_counter()
    for image in images:
        out = workdir / f"{image.stem}.txt"
        subprocess.run(
            [
                str(kraken),
                "-i",
                str(image),
                str(out),
                "binarize",
                "segment",
                "-bl",
                "ocr",
                "-m",
                str(model),
            ],
            check=True,
            capture_output=True,
            env=os.environ | {"OMP_NUM_THREADS": "1"},
        )
    return time.perf_counter() - started


def _bare_process(
    model: str, images: list[str], queue: multiprocessing.Queue, fast_postprocess: bool
) -> None:
    import warnings

    from PIL import Image

    warnings.filterwarnings("ignore", message=r".*`srun` command is available")
    # (c) kraken's own network too; (c') the worker's default (BARNACLE_ONNX_NETWORK decides)
    own_network = False if not fast_postprocess else None
    engine = KrakenEngine(
        model, threads=1, fast_postprocess=fast_postprocess, fast_network=own_network
    )
    timers = StageTimers().install()
    queue.put(("ready", time.perf_counter(), {}))
    for path in images:
        with Image.open(path) as image:
            image.load()
            page = engine.ocr(image)
        timers.page(page.timings_ms.segment, page.timings_ms.recognise)
    queue.put(("done", time.perf_counter(), {**timers.seconds, "pages": timers.pages}))


def run_bare(
    images: list[Path], model: Path, cpus: int, fast_postprocess: bool
) -> tuple[float, float, dict[str, float]]:
    """(seconds from launch to the last page, of which loading until all processes were
    ready, mean seconds per page of each stage): timed like the worker, which also starts its
    page processes and loads models. fast_postprocess False: kraken's own unmodified calls."""
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue = context.Queue()
    shares = [[str(p) for p in images[i::cpus]] for i in range(cpus)]
    procs = [
        context.Process(target=_bare_process, args=(str(model), share, queue, fast_postprocess))
        for share in shares
        if share
    ]
    launched = time.perf_counter()
    for proc in procs:
        proc.start()
    events = [queue.get() for _ in range(2 * len(procs))]
    for proc in procs:
        proc.join()
    ready = max(t for kind, t, _ in events if kind == "ready")
    done = max(t for kind, t, _ in events if kind == "done")
    total = StageTimers()
    for kind, _, seconds in events:
        if kind == "done":
            total.pages += int(seconds.pop("pages"))
            for stage, value in seconds.items():
                total.seconds[stage] += value
    return done - launched, ready - launched, total.per_page()


def _per_hour(pages: int, seconds: float) -> float:
    return pages * 3600 / seconds


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=6)
    parser.add_argument("--cpus", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--model", help="recognition model (default: the demo model)")
    parser.add_argument("--skip-cli", action="store_true", help="skip (b), the slowest")
    parser.add_argument("--figures-out", type=Path, help="write make plan's per-page figures")
    return parser.parse_args()


def _warm_cache(url: str, cache: Path) -> list[Path]:
    """Download every image of the manifest once, without OCR; the cached files."""
    image_cache = ImageCache(cache)
    local = []
    for page in manifest_from_json(get_json(url)).pages().pages:
        sized = size_page_request(page, ImageRequest(), image_cache)
        assert sized is not None
        local.append(fetch_image(sized.url, image_cache).path)
    return local


def _print_stage_times(records: list) -> None:
    """The median of each stage over (a)'s pages, then each page's stages."""
    stages = ("fetch", "decode", "segment", "recognise")
    print(
        "    per-page stage times, median ms: "
        + ", ".join(
            f"{s} {statistics.median(r['timings_ms'][s] for r in records):.0f}" for s in stages
        )
    )
    for record in records:
        t = record["timings_ms"]
        print(
            f"      page {record['canvas_index']} ({record['image']['width']}x"
            f"{record['image']['height']}, {record['lines']} lines): "
            + ", ".join(f"{s} {t[s]:.0f}" for s in stages)
        )


def _print_write_time(path: Path, record: dict) -> None:
    """The time of one fsynced append of a page record, over 20."""
    writer = RecordWriter(path)
    sample = PageRecord.model_validate(record)
    started = time.perf_counter()
    for _ in range(20):
        writer.write(sample)
    writer.close()
    write_ms = (time.perf_counter() - started) / 20 * 1000
    print(f"    write (fsynced append of one record): {write_ms:.1f} ms")


def _run_bare_pair(local: list[Path], model: Path, cpus: int) -> tuple[float, float]:
    """(c) and (c'): the seconds of each."""
    print("(c) bare in-process limit: one 1-thread process per CPU, images on disk,")
    print("    kraken's own unmodified calls")
    bare_s, bare_start_s, bare_split = run_bare(local, model, cpus, False)
    print(f"    start-up (imports, models) {bare_start_s:.1f} s of {bare_s:.1f} s")
    print(f"    per page: {split_line(bare_split)}")
    print("(c') the same with the worker's engine (barnacle's post-processing)")
    engine_s, engine_start_s, engine_split = run_bare(local, model, cpus, True)
    print(f"    start-up (imports, models) {engine_start_s:.1f} s of {engine_s:.1f} s")
    print(f"    per page: {split_line(engine_split)}  (the stages of (a))")
    return bare_s, engine_s


def _print_table(
    n: int, warm_s: float, slow_s: float, bare_s: float, engine_s: float, cli_s: float | None
) -> None:
    """Seconds and pages an hour of each arrangement, and the ratios the targets name."""
    print()
    print(f"{'arrangement':<52} {'seconds':>8} {'pages/hour':>11}")
    rows = [
        ("(a) barnacle worker, warm cache", warm_s),
        ("(a') barnacle worker, cold cache, 1 s/image server", slow_s),
        ("(c) bare in-process limit", bare_s),
        ("(c') (c) with the worker's engine", engine_s),
    ]
    if cli_s is not None:
        rows.append(("(b) kraken CLI per page", cli_s))
    for name, secs in rows:
        print(f"{name:<52} {secs:8.1f} {_per_hour(n, secs):11.0f}")
    print()
    print(f"(a) / (c) throughput: {bare_s / warm_s:.3f}  (target >= 1.3)")
    print(f"(c') / (c) throughput: {bare_s / engine_s:.3f}")
    print(f"(a') / (a) throughput: {warm_s / slow_s:.3f}  (target >= 0.90)")
    if cli_s is not None:
        print(f"(a) / (b) throughput: {cli_s / warm_s:.2f}x  (target >= 2.5x)")


def main() -> None:
    args = _parse_args()
    _, model = resolve_model(args.model)
    cli_s = None
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        images = _bench_collection(root / "data", args.pages)
        n = len(images)
        print(f"{n} pages, {args.cpus} CPUs, model {model.name}")
        with serve_sample(root / "data") as base:
            url = f"{base}/manifests/bench.json"
            cache = root / "cache"
            local = _warm_cache(url, cache)
            print("(a) barnacle worker, warm cache")
            warm_s, records, peaks = run_worker(url, root / "a.jsonl", cache, model, args.cpus)
            if args.figures_out:
                write_figures(args.figures_out, warm_s, args.cpus, len(records), peaks)
        _print_stage_times(records)
        _print_write_time(root / "w.jsonl", records[0])
        with serve_sample(root / "data", delay_s=1.0) as base:
            print("(a') barnacle worker, cold cache, server slowed to 1 s per image")
            slow_s, _, _ = run_worker(
                f"{base}/manifests/bench.json",
                root / "a2.jsonl",
                root / "cold-cache",
                model,
                args.cpus,
            )
        bare_s, engine_s = _run_bare_pair(local, model, args.cpus)
        if not args.skip_cli:
            print("(b) one kraken CLI process per page, one page at a time")
            cli_s = run_cli(local, model, root)
    _print_table(n, warm_s, slow_s, bare_s, engine_s, cli_s)


if __name__ == "__main__":
    main()
