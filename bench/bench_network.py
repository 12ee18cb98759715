"""Segmentation network on a CPU: ways to run kraken's network side by side on the same pages.

For each variant of bench/network_variants.py (kraken's fp32 call, channels-last, jit freeze +
optimize_for_inference, torch.compile, bf16 autocast where the CPU has native bf16, ONNX
Runtime): the seconds to build it (export, trace, compile: once per page process), the forward
pass's seconds per page (the best of --repeat), and the contract against kraken's own call
through the whole engine (segmentation with barnacle's post-processing, then recognition):
the same number of lines, every baseline within 1 px (Hausdorff distance), identical text.
The forward passes are then timed again, all variants in turn for --repeat rounds, so that the
load of a shared machine weighs on each alike.
Then intra-op threads against page processes: kraken's call with N threads in one process,
and N processes of one thread each on the same pages at once.

Pages: the two real Lapidus scans, then the sample pages (kraken's own test page is not in
this repository's data).

    .venv/bin/python bench/bench_network.py [--pages 3] [--threads 1] [--repeat 2]
        [--variants NAME,NAME] [--skip-processes] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time
from pathlib import Path
from typing import Any

import torch
from network_variants import VARIANTS, Forward, build, native_bf16
from PIL import Image
from shapely.geometry import LineString

from barnacle.model_files.resolve import resolve_model
from barnacle.ocr import KrakenEngine, PageOcr

REPO = Path(__file__).resolve().parent.parent
PAGES = sorted((REPO / "data" / "lapidus" / "pages").glob("*.jpg")) + sorted(
    (REPO / "data" / "sample" / "pages").glob("*.jpg")
)


class TimedNet(torch.nn.Module):
    """Stands in for kraken's network: runs a variant, keeps each page's input and seconds."""

    def __init__(self, net: torch.nn.Module) -> None:
        super().__init__()
        self.net = net
        self.variant: list[Forward] = []  # the variant's forward (a list: it may be a Module)
        self.inputs: list[torch.Tensor] = []
        self.seconds: list[float] = []

    def forward(self, x: torch.Tensor, seq_lens: Any = None, output_shape: Any = None) -> Any:
        self.inputs.append(x)
        started = time.perf_counter()
        output = self.variant[0](x) if self.variant else self.net(x)[0]
        self.seconds.append(time.perf_counter() - started)
        return output, seq_lens


def contract(reference: list[PageOcr], pages: list[PageOcr]) -> dict[str, Any]:
    """Same lines, baselines within 1 px, identical text: each page against kraken's call
    (the worst baseline distance of each page too, to name the page that moved)."""
    same_lines = all(len(a.lines) == len(b.lines) for a, b in zip(reference, pages, strict=True))
    per_page = []
    for a, b in zip(reference, pages, strict=True):
        worst = 0.0
        for line_a, line_b in zip(a.lines, b.lines, strict=False):
            if len(line_a.baseline) > 1 and len(line_b.baseline) > 1:
                distance = LineString(line_a.baseline).hausdorff_distance(
                    LineString(line_b.baseline)
                )
                worst = max(worst, distance)
        per_page.append(round(worst, 2))
    same_text = all(a.text == b.text for a, b in zip(reference, pages, strict=True))
    holds = same_lines and max(per_page, default=0.0) <= 1.0 and same_text
    return {
        "same_lines": same_lines,
        "baseline_px": max(per_page, default=0.0),
        "baseline_px_per_page": per_page,
        "same_text": same_text,
        "holds": holds,
    }


def run_variant(
    engine: KrakenEngine,
    timed: TimedNet,
    name: str,
    images: list[Image.Image],
    example: torch.Tensor | None,
) -> tuple[dict[str, Any], list[PageOcr], Forward]:
    """Build the variant on `example` (the first page's input; None: kraken's own call) and
    OCR every page through it: its row (build seconds, forward seconds of each page in the
    OCR), pages and forward function."""
    timed.variant, build_s = [], 0.0
    if example is not None:
        forward, build_s = build(name, timed.net, example)
        timed.variant = [forward]
    timed.inputs, timed.seconds = [], []
    pages = [engine.ocr(image) for image in images]
    forward = timed.variant[0] if timed.variant else (lambda x: timed.net(x)[0])
    row = {"variant": name, "build_s": build_s, "per_page_s": list(timed.seconds)}
    return row, pages, forward


def interleaved_timing(
    rows: list[dict[str, Any]], forwards: list[Forward], inputs: list[torch.Tensor], rounds: int
) -> None:
    """Time every variant's forward pass on each page's input again, `rounds` times in turn
    (A B C, A B C, ...) so that the shared machine's load weighs on all alike; each page's
    best time counts (in place of the one timed during the OCR, when lower)."""
    with torch.inference_mode():
        for _ in range(rounds):
            for row, forward in zip(rows, forwards, strict=True):
                for index, x in enumerate(inputs):
                    started = time.perf_counter()
                    forward(x)
                    seconds = time.perf_counter() - started
                    row["per_page_s"][index] = min(row["per_page_s"][index], seconds)


def _process_pages(inputs: list[torch.Tensor], model: str) -> tuple[float, float]:
    """One single-thread process doing kraken's forward pass on every input: when its loop
    began and ended (after its start-up and model loading)."""
    torch.set_num_threads(1)
    engine = KrakenEngine(model, threads=1, fast_network=False)
    net = engine._segmenter.seg_models[0].nn
    started = time.time()
    with torch.inference_mode():
        for x in inputs:
            net(x)
    return started, time.time()


def threads_vs_processes(inputs: list[torch.Tensor], model: str, cpus: int) -> dict[str, float]:
    """Seconds per page of kraken's forward pass: one process of `cpus` threads, against
    `cpus` single-thread processes each doing every page at the same time (from the first
    loop's start to the last one's end, start-up left out)."""
    torch.set_num_threads(cpus)
    net_engine = KrakenEngine(model, threads=cpus, fast_network=False)
    net = net_engine._segmenter.seg_models[0].nn
    started = time.perf_counter()
    with torch.inference_mode():
        for x in inputs:
            net(x)
    threaded = (time.perf_counter() - started) / len(inputs)
    context = multiprocessing.get_context("spawn")
    with context.Pool(cpus) as pool:
        spans = pool.starmap(_process_pages, [(inputs, model)] * cpus)
    wall = max(end for _, end in spans) - min(start for start, _ in spans)
    return {
        "threads": cpus,
        "threaded_s_per_page": threaded,
        "processes_s_per_page": wall / (len(inputs) * cpus),
    }


def _print_row(row: dict[str, Any], baseline: float | None) -> None:
    mean = sum(row["per_page_s"]) / len(row["per_page_s"])
    pages = " ".join(f"{s:.2f}" for s in row["per_page_s"])
    ratio = f"{baseline / mean:.2f}x" if baseline else "-"
    check = row.get("contract", {})
    print(
        f"{row['variant']:<38} build {row['build_s']:6.1f} s  forward {mean:6.2f} s/page "
        f"({pages})  vs kraken {ratio:>6}  lines {check.get('same_lines', '-')} "
        f"baseline {check.get('baseline_px', 0):.2f} px text {check.get('same_text', '-')} "
        f"holds {check.get('holds', '-')}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--skip-processes", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    names = [n for n in args.variants.split(",") if n]
    if not native_bf16():
        names = [n for n in names if not n.startswith("bf16")]
        print("no native bf16 on this CPU (avx512_bf16/amx): bf16 left out")
    images = [Image.open(path).convert("RGB") for path in PAGES[: args.pages]]
    model = str(resolve_model(None)[1])
    engine = KrakenEngine(model, threads=args.threads, fast_network=False)
    segmenter = engine._segmenter.seg_models[0]
    timed = TimedNet(segmenter.nn)
    segmenter.nn = timed
    print(f"{len(images)} pages, {args.threads} thread(s), load {os.getloadavg()[0]:.1f}")
    print("pages: " + ", ".join(path.stem[:12] for path in PAGES[: args.pages]))
    rows: list[dict[str, Any]] = []
    forwards: list[Forward] = []
    reference: list[PageOcr] | None = None
    inputs: list[torch.Tensor] = []  # each page's network input, from kraken's own run
    for name in ["fp32 (kraken's)"] + [n for n in names if n != "fp32 (kraken's)"]:
        example = inputs[0] if inputs else None
        try:
            row, pages, forward = run_variant(engine, timed, name, images, example)
        except Exception as err:  # a variant that cannot run this network is a result too
            print(f"{name:<38} failed: {type(err).__name__}: {str(err)[:200]}", flush=True)
            continue
        reference = reference or pages
        inputs = inputs or list(timed.inputs)
        row["contract"] = contract(reference, pages)
        rows.append(row)
        forwards.append(forward)
        print(f"{name:<38} contract: {row['contract']}", flush=True)
    print(f"timing, {args.repeat} rounds in turn; load {os.getloadavg()[0]:.1f}", flush=True)
    interleaved_timing(rows, forwards, inputs, args.repeat)
    base = sum(rows[0]["per_page_s"]) / len(rows[0]["per_page_s"])
    for row in rows:
        _print_row(row, base)
    print(f"load {os.getloadavg()[0]:.1f}")
    result: dict[str, Any] = {"variants": rows}
    if not args.skip_processes:
        cpus = max(2, args.threads)
        split = threads_vs_processes(inputs, model, cpus)
        print(
            f"{cpus} threads in one process: {split['threaded_s_per_page']:.2f} s/page; "
            f"{cpus} processes x 1 thread: {split['processes_s_per_page']:.2f} s/page",
            flush=True,
        )
        result["threads_vs_processes"] = split
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
