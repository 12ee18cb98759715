"""Fine-tuning benchmark (the proof of the quality loop, #19): the demo model reads a typeface
it was not trained on badly; fine-tuned on 30 transcribed pages of it (the renderer knows the
truth), it should read held-out pages of that typeface at least twice as well (CER halved)
and its own typefaces no worse than by 1 point.

Pages are rendered by barnacle.demo.render (the demo model's renderer) as PAGE XML + PNG with
kraken's polygons (barnacle.demo.training_data); training and the gate are `barnacle
finetune`'s own (barnacle.finetune), with the model installed into a temporary models folder.
CER is scored on each page's own lines (no segmentation), as the gate scores.

    .venv/bin/python bench/bench_finetune.py [--font PATH] [--pages 30] [--heldout 5]
        [--max-epochs 3] [--threads 2] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from barnacle.demo.render import render_page  # noqa: E402
from barnacle.demo.training_data import kraken_polygons, page_xml  # noqa: E402
from barnacle.finetune.gate import run_gate  # noqa: E402
from barnacle.finetune.train import TrainSettings  # noqa: E402
from barnacle.finetune.truth_input import read_truth_input  # noqa: E402
from barnacle.model_files.resolve import demo_model_path  # noqa: E402

UNSEEN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
TRAIN_SEED, UNSEEN_SEED, OWN_SEED = 7_000_000, 7_900_000, 8_900_000


def write(seeds: list[int], folder: Path, font: Path | None, split: str) -> None:
    """Each seed's page as <seed>.png + <seed>.xml in `folder` (kept when already there)."""
    folder.mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        image = folder / f"{seed}.png"
        if image.is_file() and image.with_suffix(".xml").is_file():
            continue  # rendered by an earlier run with this --workdir
        page = render_page(seed, split=split, font_path=font)
        page.image.save(image)
        (folder / f"{seed}.xml").write_text(page_xml(page, image.name, kraken_polygons(page)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--font", type=Path, default=UNSEEN_FONT, help="the unseen typeface")
    ap.add_argument("--pages", type=int, default=30, help="transcribed training pages")
    ap.add_argument("--heldout", type=int, default=5, help="held-out pages of each kind")
    ap.add_argument("--max-epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workdir", type=Path, help="default: a new folder under /tmp")
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="barnacle-bench-finetune-"))
    os.environ["BARNACLE_MODELS_DIR"] = str(work / "models")
    timings: dict[str, float] = {}
    start = time.monotonic()
    write(list(range(TRAIN_SEED, TRAIN_SEED + args.pages)), work / "truth", args.font, "train")
    unseen = list(range(UNSEEN_SEED, UNSEEN_SEED + args.heldout))
    write(unseen, work / "heldout-unseen", args.font, "heldout")
    own = list(range(OWN_SEED, OWN_SEED + args.heldout))
    write(own, work / "heldout-own", None, "heldout")
    timings["render_s"] = time.monotonic() - start

    from barnacle.finetune import finetune

    start = time.monotonic()
    settings = TrainSettings(threads=args.threads, max_epochs=args.max_epochs, lag=3)
    outcome = finetune(work / "truth", "barnacle-demo", "bench-finetune", settings, 0.1)
    timings["finetune_s"] = time.monotonic() - start
    new = next(outcome.folder.glob("*.safetensors"))
    cer: dict[str, float] = {}
    for kind in ("unseen", "own"):
        folder = work / f"heldout-{kind}"
        pages = read_truth_input(folder).pages
        gate = run_gate(demo_model_path(), new, pages, folder, "cpu", args.threads)
        cer[f"{kind}_base"] = round(gate.base.cer or 0, 4)
        cer[f"{kind}_new"] = round(gate.new.cer or 0, 4)
        print(
            f"held-out {kind} typeface ({len(pages)} pages): CER demo "
            f"{cer[kind + '_base'] * 100:.2f}% -> fine-tuned {cer[kind + '_new'] * 100:.2f}%"
        )
    figures = {
        "font": args.font.name,
        "pages": args.pages,
        "cer": cer,
        "epochs": outcome.card.epochs,
        "best_epoch": outcome.card.best_epoch,
        "timings_s": {k: round(v, 1) for k, v in timings.items()},
        "workdir": str(work),
    }
    print(json.dumps(figures, indent=1))
    halved = cer["unseen_new"] <= cer["unseen_base"] / 2
    own_ok = cer["own_new"] <= cer["own_base"] + 0.01
    print(f"targets: unseen CER halved: {halved}; own typefaces not worse by >1 point: {own_ok}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
