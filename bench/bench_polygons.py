"""Line polygons, kraken's own against barnacle's, side by side on the same inputs.

For each page: kraken's segmentation runs once (the worker's engine, one torch thread) and
every `calculate_polygonal_environment` call `vec_lines` makes is kept (baseline, the other
lines, the page's feature map); then those calls are made again --repeat times with kraken's
own `_calc_roi`/`_extract_patch` and with barnacle's (barnacle/ocr/fast_postprocess/), in turn,
and the best seconds of each are printed with the split into line regions (`_calc_roi`) and
seams (`_extract_patch`), and whether every polygon is the same.

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD .venv/bin/python bench/bench_polygons.py [--pages 2]
        [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

from barnacle.model_files.resolve import resolve_model
from barnacle.ocr import KrakenEngine, fast_postprocess

REPO = Path(__file__).resolve().parent.parent
PAGES = sorted((REPO / "data" / "sample" / "pages").glob("*.jpg"))
STEPS = {"_calc_roi": "regions", "_extract_patch": "seams"}


def polygon_calls(engine: KrakenEngine, page: Path) -> list[dict[str, Any]]:
    """The keyword arguments of every calculate_polygonal_environment call on `page`."""
    from kraken.lib.vgsl import spred

    calls: list[dict[str, Any]] = []
    own = spred.calculate_polygonal_environment

    def keep(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return own(*args, **kwargs)

    spred.calculate_polygonal_environment = keep
    fast_postprocess.install("cpu", enabled=True)  # the worker's ridge filter: a faster capture
    try:
        with Image.open(page) as image:
            image.load()
            engine.ocr(image)
    finally:
        spred.calculate_polygonal_environment = own
    return calls


def _timed(seconds: dict[str, float], name: str, call: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return call(*args, **kwargs)
        finally:
            seconds[name] += time.perf_counter() - started

    return wrapper


def polygons(calls: list[dict[str, Any]], ours: bool) -> tuple[list[Any], dict[str, float]]:
    """The polygons of `calls` with kraken's or barnacle's steps, and the seconds of each."""
    from kraken.lib import segmentation

    if ours:
        fast_postprocess.install("cpu", enabled=True)
    else:
        fast_postprocess.uninstall()
    seconds: dict[str, float] = defaultdict(float)
    steps = {name: getattr(segmentation, name) for name in STEPS}
    for name, call in steps.items():
        setattr(segmentation, name, _timed(seconds, STEPS[name], call))
    started = time.perf_counter()
    try:
        found = [segmentation.calculate_polygonal_environment(**kwargs) for kwargs in calls]
    finally:
        seconds["all"] = time.perf_counter() - started
        for name, call in steps.items():
            setattr(segmentation, name, call)
        fast_postprocess.uninstall()
    return [[None if p is None else list(map(list, p)) for p in f] for f in found], seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    _, model = resolve_model(None)
    engine = KrakenEngine(model, threads=1)
    print("| page | lines | kraken s (regions / seams) | barnacle s (regions / seams) | x | same |")
    print("|---|---|---|---|---|---|")
    for page in PAGES[: args.pages]:
        calls = polygon_calls(engine, page)
        best: dict[bool, dict[str, float]] = {}
        results: dict[bool, list[Any]] = {}
        for _ in range(args.repeat):
            for ours in (False, True):
                results[ours], seconds = polygons(calls, ours)
                if ours not in best or seconds["all"] < best[ours]["all"]:
                    best[ours] = dict(seconds)
        kraken, barnacle = best[False], best[True]
        cells = [
            f"{s['all']:.2f} ({s['regions']:.2f} / {s['seams']:.2f})" for s in (kraken, barnacle)
        ]
        speedup = kraken["all"] / barnacle["all"]
        same = results[False] == results[True]
        print(f"| {page.stem} | {len(calls)} | {cells[0]} | {cells[1]} | {speedup:.2f} | {same} |")


if __name__ == "__main__":
    main()
