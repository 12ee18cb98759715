"""Training the demo recognition model (scripts/train-demo-model) on synthetic book pages.

Stages: render seeded synthetic pages as PAGE XML + PNG (polygons computed by kraken from the
known baselines), ``ketos compile`` them to a binary dataset, ``ketos train`` a small VGSL
network (or take the best checkpoint of a run stopped early), evaluate the CER on held-out
pages through kraken's full segmentation + recognition path, then copy the model to its place
and write the model card next to it. Training data stays in the work directory.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from barnacle.demo.evaluate import PageResult, evaluate_pages, overall_cer
from barnacle.demo.model_card import write_card
from barnacle.demo.render import available_fonts, render_page
from barnacle.demo.training_data import write_pages

SPEC = (
    "[1,48,0,1 Cr3,3,32 Do0.1,2 Mp2,2 Cr3,3,64 Do0.1,2 Mp2,2 "
    "Cr3,3,64 Do0.1,2 Mp2,1 S1(1x0)1,3 Lbx128 Do0.1,2 Lbx128 Do]"
)
EVAL_OFFSET = 900_000  # held-out page seeds: seed * 1e6 + 900000 + i


class TrainingOptions(BaseModel):
    """The trainer's command-line options (scripts/train-demo-model --help)."""

    out: Path
    pages: int
    eval_pages: int
    epochs: int
    seed: int
    workdir: Path
    threads: int
    reuse_data: bool
    no_card: bool
    from_checkpoints: bool


def bin_path(name: str) -> str:
    """A console script next to this interpreter (the venv), else from PATH."""
    local = Path(sys.executable).with_name(name)
    return str(local) if local.exists() else name


def run_logged(cmd: list[str], log: Path) -> float:
    """Run `cmd`, its output appended to `log`; the seconds it took."""
    print("+", shlex.join(cmd), flush=True)
    start = time.monotonic()
    with log.open("a", encoding="utf-8") as fh:
        subprocess.run(cmd, check=True, stdout=fh, stderr=subprocess.STDOUT)
    return time.monotonic() - start


def make_dataset(options: TrainingOptions, log: Path, timings: dict[str, float]) -> int:
    """Render the training pages and compile them (unless reused); the number of lines."""
    work = options.workdir
    train_dir, dataset = work / "train", work / "train.arrow"
    base = options.seed * 1_000_000
    if not (options.reuse_data and dataset.exists()):
        start = time.monotonic()
        seeds = list(range(base, base + options.pages))
        written = write_pages(seeds, train_dir, processes=options.threads)
        timings["render_pages_s"] = time.monotonic() - start
        n_lines = sum(w.lines for w in written)
        listing = work / "train.txt"
        listing.write_text("\n".join(str(w.xml) for w in written) + "\n")
        compile_cmd = [bin_path("ketos"), "--workers", str(options.threads), "compile"]
        compile_cmd += ["-f", "page", "-F", str(listing), "-o", str(dataset)]
        timings["compile_s"] = run_logged(compile_cmd, log)
        (work / "lines.txt").write_text(str(n_lines))
    return int((work / "lines.txt").read_text())


def train_command(options: TrainingOptions, dataset: Path, ckpt: Path) -> list[str]:
    """The `ketos train` command line."""
    threads, seed, epochs = str(options.threads), str(options.seed), str(options.epochs)
    return [
        *[bin_path("ketos"), "--device", "cpu", "--threads", threads, "--workers", "1"],
        *["--seed", seed, "train", "-f", "binary", "-o", str(ckpt), "--spec", SPEC],
        *["-N", epochs, "-q", "fixed", "-p", "0.95", "--schedule", "cosine"],
        *["--cos-max", epochs, "-u", "NFC", str(dataset)],
    ]


def best_of_checkpoints(ckpt: Path, dataset: Path, log: Path, timings: dict[str, float]) -> int:
    """After a run stopped early: the best epoch checkpoint so far converted to weights
    (`best_*.safetensors`); the number of epochs finished."""
    ckpts = sorted(
        ckpt.glob("checkpoint_[0-9]*-*.ckpt"), key=lambda c: float(c.stem.rsplit("-", 1)[1])
    )
    if not ckpts:
        sys.exit(f"no epoch checkpoints in {ckpt}")
    last = max(ckpts, key=lambda c: c.stat().st_mtime)
    timings["train_s"] = last.stat().st_mtime - dataset.stat().st_mtime
    best_ckpt = ckpts[-1]
    weights = ckpt / f"best_{best_ckpt.stem.rsplit('-', 1)[1]}.safetensors"
    run_logged([bin_path("ketos"), "convert", "-o", str(weights), str(best_ckpt)], log)
    print(f"{len(ckpts)} epochs finished; using {best_ckpt.name}", flush=True)
    return len(ckpts)


def evaluate_heldout(options: TrainingOptions, timings: dict[str, float]) -> list[PageResult]:
    """The model at `options.out` read on the held-out pages, each page's CER printed."""
    start = time.monotonic()
    base = options.seed * 1_000_000
    eval_seeds = [base + EVAL_OFFSET + i for i in range(options.eval_pages)]
    pages = []
    for s in eval_seeds:
        page = render_page(s, split="heldout")
        pages.append((f"eval-{s}", page.image, page.text))
    results = evaluate_pages(options.out, pages, threads=options.threads)
    timings["evaluate_s"] = time.monotonic() - start
    for r in results:
        print(f"{r.name}: CER {r.cer:.4f} ({r.errors}/{len(r.truth)})", flush=True)
    return results


def train_demo_model(options: TrainingOptions, command: str) -> dict[str, Any]:
    """Make the demo model as the module says; its report (also in the work directory's
    report.json), `command` being the trainer's command line as run."""
    work = options.workdir
    work.mkdir(parents=True, exist_ok=True)
    log = work / "train.log"
    print(f"workdir: {work} (log: {log})", flush=True)
    timings: dict[str, float] = {}
    n_lines = make_dataset(options, log, timings)
    print(f"{options.pages} pages, {n_lines} lines", flush=True)
    dataset, ckpt = work / "train.arrow", work / "checkpoints"
    train_cmd = train_command(options, dataset, ckpt)
    stopped_early = None
    if options.from_checkpoints:  # training was interrupted: take the best epoch so far
        stopped_early = best_of_checkpoints(ckpt, dataset, log, timings)
    else:
        shutil.rmtree(ckpt, ignore_errors=True)
        timings["train_s"] = run_logged(train_cmd, log)
    best = sorted(ckpt.glob("best_*.safetensors"))
    if not best:
        sys.exit(f"no best_*.safetensors in {ckpt}; see {log}")
    options.out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(best[-1], options.out)
    results = evaluate_heldout(options, timings)
    cer = overall_cer(results)
    print(f"overall CER {cer:.4f}", flush=True)
    report = {
        "pages": options.pages,
        "lines": n_lines,
        "epochs": options.epochs,
        "seed": options.seed,
        "spec": SPEC,
        "threads": options.threads,
        "val_char_accuracy": float(best[-1].stem.split("_")[1]),
        "heldout_pages": options.eval_pages,
        "heldout_cer": round(cer, 4),
        "heldout_cer_per_page": {r.name: round(r.cer, 4) for r in results},
        "timings_s": {k: round(v, 1) for k, v in timings.items()},
        "epochs_finished": stopped_early or options.epochs,
        "fonts": sorted(available_fonts()),
        "model_bytes": options.out.stat().st_size,
        "command": command,
        "train_command": shlex.join(train_cmd),
    }
    (work / "report.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2), flush=True)
    if not options.no_card:
        write_card(options.out.parent / "README.md", options.out.name, report)
    return report
