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
        [--cpu-workers N] [--precision bf16-mixed] [--batch-size 16] [--json out.json] [--tiny]

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
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

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


def run_config(
    url: str, root: Path, name: str, device: str, workers: int, args: argparse.Namespace
) -> dict:
    out = root / f"{name}.jsonl"
    options = WorkerOptions(
        cache_dir=root / "cache",
        device=device,
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
        **sampler.figures(),
        "records": records,
    }


def compare(run: dict, reference: dict, tolerance: float) -> dict:
    """Same number of lines on every page, and the text's CER against the reference."""
    same_lines = all(
        run["records"][i]["lines"] == reference["records"][i]["lines"] for i in reference["records"]
    )
    total = sum(
        (
            page_errors(normalise(run["records"][i]["text"]), normalise(ref["text"]))
            for i, ref in reference["records"].items()
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
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args(argv)
    procs = [int(n) for n in args.procs.split(",") if n]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        bench_collection(root / "data", args.pages, args.tiny)
        with serve_sample(root / "data") as base:
            url = f"{base}/manifests/gpu.json"
            cache = ImageCache(root / "cache")
            for page in manifest_from_json(get_json(url)).pages().pages:
                sized = size_page_request(page, ImageRequest(), cache)
                assert sized is not None
                fetch_image(sized.url, cache)
            cpu = run_config(url, root, "cpu", "cpu", args.cpu_workers, args)
            runs = [cpu] + [
                run_config(url, root, f"{args.device}x{n}", args.device, n, args) for n in procs
            ]
    print(
        f"{args.pages} {'strip' if args.tiny else 'sample'} pages; precision "
        f"{args.precision}, batch size {args.batch_size}"
    )
    print(
        f"{'run':<14} {'procs':>5} {'seconds':>8} {'pages/h':>9} {'GPU util':>13} "
        f"{'GPU MiB':>8} {'vs CPU':>6} {'lines':>6} {'CER':>8}"
    )
    figures = []
    for run in runs:
        check = compare(run, cpu, args.tolerance)
        util = (
            f"{run['gpu_util_mean']}/{run['gpu_util_max']}%"
            if run["gpu_util_mean"] is not None
            else "-"
        )
        print(
            f"{run['name']:<14} {run['processes']:>5} {run['seconds']:>8} "
            f"{run['pages_per_hour']:>9} {util:>13} {_cell(run['gpu_mem_max_mib']):>8} "
            f"{run['pages_per_hour'] / cpu['pages_per_hour']:>5.2f}x "
            f"{'same' if check['same_lines'] else 'DIFF':>6} "
            f"{check['cer_vs_cpu']:>8.4f}"
        )
        figures.append({k: v for k, v in run.items() if k != "records"} | check)
    unequal = [f["name"] for f in figures if not f["equal"]]
    verdict = "yes" if not unequal else "no: " + ", ".join(unequal)
    print(f"outputs equal to the CPU run (same lines, CER <= {args.tolerance}): {verdict}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return 0 if not unequal else 1


if __name__ == "__main__":
    sys.exit(main())
