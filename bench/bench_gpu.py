"""GPU benchmark: pages/hour and GPU utilisation for 1, 2, 4, 8, 16 page processes sharing one
GPU, against the same node's CPUs only, on the same pages with the same model; every GPU run's
output is compared with the CPU run's (same number of lines per page, text within a small CER).

Why several processes: a page's segmentation is about 5.6 s of network and 8.7 s of
post-processing on the CPU (vectorising and polygonising lines), so one process leaves the GPU
idle most of the time; N processes each post-process on their own core while sharing the GPU.

Pages: copies of the bundled sample pages (about 1300x1900), or `--tiny` strips of 60x900 px
(seconds on a CPU, for the test), served by the sample IIIF server on 127.0.0.1 and fetched
into a cache first. The segmentation cache is off, so every run segments every page.

    .venv/bin/python bench/bench_gpu.py [--device cuda:0] [--procs 1,2,4,8,16] [--pages 32] \\
        [--pages-per-process 4] [--budget-s 480] [--cpu-workers N] [--precision bf16-mixed] \\
        [--batch-size 16] [--json out.json] [--tiny]

Each run OCRs at least --pages-per-process pages per page process, and reports pages/hour
with start-up (all pages over the whole run) and steady (once every process had done its
first page). Rows print, and --json is rewritten, as each run finishes; with --budget-s no
configuration starts that would likely end after the budget. On a GPU the page processes
also run barnacle's ridge filter there (BARNACLE_FAST_POSTPROCESS=0: kraken's own, on CPU).

`--device cpu` runs the same code path on the CPU (what the test does, with --tiny).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from barnacle.atomic import atomic_write_text  # noqa: E402
from barnacle.evaluate import normalise, page_errors  # noqa: E402
from barnacle.http_client import get_json  # noqa: E402
from barnacle.iiif import ImageRequest, manifest_from_json  # noqa: E402
from barnacle.images import ImageCache, fetch_image, size_page_request  # noqa: E402
from barnacle.sample.serve import serve_sample  # noqa: E402
from barnacle.worker import WorkerOptions, process_manifest  # noqa: E402
from tests.support.tiny_books import strip_page  # noqa: E402

SAMPLE_PAGES = REPO / "data" / "sample" / "pages"


def bench_collection(folder: Path, pages: int, tiny: bool) -> None:
    """A one-book sample-server folder of `pages` pages (sample pages repeated, or strips)."""
    (folder / "pages").mkdir(parents=True)
    sources = sorted(SAMPLE_PAGES.glob("*.jpg"))
    entries = []
    for number in range(1, pages + 1):
        name = f"page{number}.jpg"
        if tiny:
            strip_page(number).save(folder / "pages" / name, "JPEG", quality=90)
        else:
            shutil.copy(sources[(number - 1) % len(sources)], folder / "pages" / name)
        entries.append({"id": f"gpu-p{number}", "image": name, "label": f"p. {number}"})
    book = {"id": "gpu", "label": "gpu bench", "presentation": 3, "image_api": 3, "pages": entries}
    (folder / "books.json").write_text(json.dumps({"label": "gpu bench", "books": [book]}))


class GpuSampler:
    """GPU utilisation (%) and memory (MiB) from nvidia-smi every half second, if there is one."""

    def __init__(self, device: str) -> None:
        index = device.partition(":")[2] or "0"
        self.command = [
            "nvidia-smi",
            f"--id={index}",
            "--format=csv,noheader,nounits",
            "--query-gpu=utilization.gpu,memory.used",
        ]
        self.enabled = device.startswith("cuda") and shutil.which("nvidia-smi") is not None
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            done = subprocess.run(self.command, capture_output=True, text=True, check=False)
            try:
                util, memory = (float(x) for x in done.stdout.strip().split(","))
            except ValueError:
                continue
            self.samples.append((util, memory))

    def __enter__(self) -> GpuSampler:
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.enabled:
            self._thread.join(timeout=5)

    def figures(self) -> dict[str, float | None]:
        if not self.samples:
            return {"gpu_util_mean": None, "gpu_util_max": None, "gpu_mem_max_mib": None}
        utils = [u for u, _ in self.samples]
        return {
            "gpu_util_mean": round(statistics.mean(utils), 1),
            "gpu_util_max": max(utils),
            "gpu_mem_max_mib": max(m for _, m in self.samples),
        }


def config_pages(workers: int, args: argparse.Namespace) -> int:
    """Pages one configuration OCRs: --pages, and at least --pages-per-process per process."""
    return max(args.pages, args.pages_per_process * workers)


def steady_pages_per_hour(records: dict, workers: int) -> float | None:
    """Pages/hour once every process had done its first page (start-up excluded): the pages
    written after the `workers`-th, over the time from that one to the last."""
    written = sorted(datetime.fromisoformat(r["created_at"]) for r in records.values())
    if len(written) <= workers:
        return None
    seconds = (written[-1] - written[workers - 1]).total_seconds()
    return round((len(written) - workers) / seconds * 3600, 1) if seconds > 0 else None


def run_config(
    url: str, root: Path, name: str, device: str, workers: int, args: argparse.Namespace
) -> dict:
    out = root / f"{name}.jsonl"
    options = WorkerOptions(
        cache_dir=root / "cache",
        device=device,
        max_pages=config_pages(workers, args),
        page_processes=workers,
        precision=args.precision,
        batch_size=args.batch_size,
        segmentation_cache=False,
        progress=False,
        **({"model": args.model} if args.model else {}),
    )
    with GpuSampler(device) as sampler:
        result = process_manifest(url, out, options)
    if result.status != "complete":
        raise SystemExit(f"bench_gpu: {name} failed: {result.message}")
    records = {r["canvas_index"]: r for r in map(json.loads, out.read_text().splitlines())}
    return {
        "name": name,
        "device": device,
        "processes": workers,
        "pages": len(records),
        "seconds": round(result.elapsed_s, 1),
        "pages_per_hour": round(len(records) / result.elapsed_s * 3600, 1),
        "steady_pages_per_hour": steady_pages_per_hour(records, workers),
        **sampler.figures(),
        "records": records,
    }


def compare(run: dict, reference: dict, tolerance: float) -> dict:
    """Same number of lines on every page both did, and the text's CER against the
    reference."""
    pages = sorted(set(run["records"]) & set(reference["records"]))
    same_lines = all(run["records"][i]["lines"] == reference["records"][i]["lines"] for i in pages)
    total = sum(
        (
            page_errors(
                normalise(run["records"][i]["text"]), normalise(reference["records"][i]["text"])
            )
            for i in pages
        ),
        start=page_errors("", ""),
    )
    return {
        "same_lines": same_lines,
        "cer_vs_cpu": round(total.cer, 5),
        "equal": same_lines and total.cer <= tolerance,
    }


def _cell(value: object, unit: str = "") -> str:
    return "-" if value is None else f"{value}{unit}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda:0", help="the GPU (cpu: same path on CPU)")
    parser.add_argument("--procs", default="1,2,4,8,16", help="page processes on the GPU")
    parser.add_argument("--pages", type=int, default=32, help="pages per run (default 32)")
    parser.add_argument(
        "--cpu-workers",
        type=int,
        default=len(os.sched_getaffinity(0)),
        help="page processes of the CPU-only run (default: all CPUs)",
    )
    parser.add_argument("--precision", default="32-true", help="kraken precision on the GPU")
    parser.add_argument("--batch-size", type=int, default=1, help="recognition batch size")
    parser.add_argument("--model", help="recognition model (default: the demo model)")
    parser.add_argument("--tolerance", type=float, default=0.01, help="max CER vs the CPU")
    parser.add_argument("--tiny", action="store_true", help="60x900 strips instead of pages")
    parser.add_argument(
        "--pages-per-process",
        type=int,
        default=4,
        help="at least this many pages per page process in each run (default 4)",
    )
    parser.add_argument(
        "--budget-s",
        type=float,
        default=0,
        help="start no configuration that would end after this many seconds (0: no limit)",
    )
    parser.add_argument(
        "--json", type=Path, help="the figures as JSON, rewritten as each run finishes"
    )
    args = parser.parse_args(argv)
    procs = [int(n) for n in args.procs.split(",") if n]
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        most = max(config_pages(n, args) for n in [args.cpu_workers, *procs])
        bench_collection(root / "data", most, args.tiny)
        print(
            f"{'strip' if args.tiny else 'sample'} pages, at least "
            f"{args.pages_per_process} per process; precision {args.precision}, batch size "
            f"{args.batch_size}"
        )
        print(HEADER)
        with serve_sample(root / "data") as base:
            url = f"{base}/manifests/gpu.json"
            cache = ImageCache(root / "cache")
            for page in manifest_from_json(get_json(url)).pages().pages:
                sized = size_page_request(page, ImageRequest(), cache)
                assert sized is not None
                fetch_image(sized.url, cache)
            figures = run_all(url, root, procs, args, started)
    unequal = [f["name"] for f in figures if not f["equal"]]
    verdict = "yes" if not unequal else "no: " + ", ".join(unequal)
    print(f"outputs equal to the CPU run (same lines, CER <= {args.tolerance}): {verdict}")
    return 0 if not unequal else 1


HEADER = (
    f"{'run':<14} {'procs':>5} {'pages':>5} {'seconds':>8} {'pages/h':>9} {'steady/h':>9} "
    f"{'GPU util':>13} {'GPU MiB':>8} {'vs CPU':>6} {'lines':>6} {'CER':>8}"
)


def _row(run: dict, cpu: dict, check: dict) -> str:
    util = (
        f"{run['gpu_util_mean']}/{run['gpu_util_max']}%"
        if run["gpu_util_mean"] is not None
        else "-"
    )
    return (
        f"{run['name']:<14} {run['processes']:>5} {run['pages']:>5} {run['seconds']:>8} "
        f"{run['pages_per_hour']:>9} {_cell(run['steady_pages_per_hour']):>9} {util:>13} "
        f"{_cell(run['gpu_mem_max_mib']):>8} "
        f"{run['pages_per_hour'] / cpu['pages_per_hour']:>5.2f}x "
        f"{'same' if check['same_lines'] else 'DIFF':>6} {check['cer_vs_cpu']:>8.4f}"
    )


def run_all(
    url: str, root: Path, procs: list[int], args: argparse.Namespace, started: float
) -> list[dict]:
    """The CPU-only run, then each GPU configuration while the budget allows one more (its
    estimate: the last run's seconds per page times its pages); each row printed and the
    JSON rewritten as it finishes."""
    cpu = run_config(url, root, "cpu", "cpu", args.cpu_workers, args)
    figures: list[dict] = []
    last = cpu
    for workers in [0, *procs]:
        if workers:
            name = f"{args.device}x{workers}"
            estimate = last["seconds"] / last["pages"] * config_pages(workers, args)
            if args.budget_s and time.monotonic() - started + estimate > args.budget_s:
                print(f"{name:<14} not started: about {estimate:.0f} s more would pass --budget-s")
                continue
            last = run_config(url, root, name, args.device, workers, args)
        check = compare(last, cpu, args.tolerance)
        print(_row(last, cpu, check), flush=True)
        figures.append({k: v for k, v in last.items() if k != "records"} | check)
        if args.json:
            atomic_write_text(args.json, json.dumps(figures, indent=1) + "\n")
    return figures


if __name__ == "__main__":
    sys.exit(main())
