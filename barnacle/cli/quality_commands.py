"""Subcommands of the quality loop: groundtruth (pages to transcribe) and finetune (train a
model on the corrected pages, install it, compare it with its base)."""

from __future__ import annotations

import argparse
from pathlib import Path

from barnacle.cli.common import fail
from barnacle.defaults import (
    DEVICE,
    FINETUNE_LAG,
    FINETUNE_LEARNING_RATE,
    FINETUNE_MAX_EPOCHS,
    FINETUNE_VALIDATION_SHARE,
    GROUNDTRUTH_PAGES,
    GROUNDTRUTH_RANDOM_SHARE,
    GROUNDTRUTH_SEED,
    ExitCode,
)


def cmd_groundtruth(args: argparse.Namespace) -> int:
    """Choose the pages of a run worth transcribing; write them as PAGE XML with images."""
    from barnacle.export.source_manifest import run_cache_dir
    from barnacle.groundtruth import GroundTruthError, write_groundtruth

    run_dir = Path(args.run_dir)
    cache_dir = args.cache_dir or run_cache_dir(run_dir)
    try:
        report = write_groundtruth(run_dir, cache_dir, args.pages, args.seed, args.random_share)
    except GroundTruthError as err:
        return fail(str(err))
    reasons: dict[str, int] = {}
    for chosen in report.chosen:
        reasons[chosen.reason] = reasons.get(chosen.reason, 0) + 1
    manifests = len({c.page.sha1 for c in report.chosen})
    print(
        f"{len(report.chosen)} page(s) of {manifests} manifest(s) written to {report.folder}: "
        + ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items()))
    )
    if report.without_image:
        print(f"  {report.without_image} page(s) left out: image not in the cache {cache_dir}")
    print(
        "  correct the text of each <NNNN>.xml (eScriptorium: import the folder as PAGE, "
        "or any PAGE editor), then: make finetune TRUTH=" + str(report.folder) + " ..."
    )
    return ExitCode.OK


def cmd_finetune(args: argparse.Namespace) -> int:
    """Fine-tune BASE on the truth pages, install it as NAME, compare the two on held-out pages."""
    from barnacle.finetune import FinetuneError, finetune
    from barnacle.finetune.install import InstallError
    from barnacle.finetune.train import TrainingFailed, TrainSettings
    from barnacle.ocr.errors import OcrError
    from barnacle.worker.model_ref import ModelNotFound

    settings = TrainSettings(
        device=args.device,
        threads=args.threads,
        max_epochs=args.max_epochs,
        min_epochs=args.min_epochs,
        lag=args.lag,
        seed=args.seed,
        learning_rate=args.learning_rate,
    )
    try:
        outcome = finetune(Path(args.truth), args.base, args.name, settings, args.validation_share)
    except (FinetuneError, InstallError, ModelNotFound) as err:
        return fail(str(err))
    except (TrainingFailed, OcrError) as err:
        return fail(str(err), ExitCode.INVALID)
    print(f"installed {args.name}: {outcome.folder} (use MODEL={args.name})")
    return ExitCode.OK


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "groundtruth",
        help="choose the pages of a run to transcribe: PAGE XML + images in runs/<RUN>/groundtruth",
    )
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument(
        "--pages", type=int, default=GROUNDTRUTH_PAGES, help=f"pages (default {GROUNDTRUTH_PAGES})"
    )
    p.add_argument(
        "--seed", type=int, default=GROUNDTRUTH_SEED, help="seed of the random share (default 1)"
    )
    p.add_argument(
        "--random-share",
        type=float,
        default=GROUNDTRUTH_RANDOM_SHARE,
        help=f"share of pages drawn at random (default {GROUNDTRUTH_RANDOM_SHARE}), the rest "
        "lowest mean line confidence, spread across manifests",
    )
    p.add_argument("--cache-dir", type=Path, help="the run's image cache (default: the run's)")
    p.set_defaults(func=cmd_groundtruth)

    p = sub.add_parser(
        "finetune",
        help="fine-tune a recognition model on transcribed pages, install it as NAME, "
        "compare it with BASE on held-out pages",
    )
    p.add_argument("--truth", required=True, help="folder of PAGE XML or ALTO files with images")
    p.add_argument("--base", required=True, help="model to start from: DOI, path or NAME")
    p.add_argument("--name", required=True, help="name of the new model (MODEL=NAME uses it)")
    p.add_argument("--device", default=DEVICE, help=f"cpu, cuda or cuda:N (default {DEVICE})")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    p.add_argument(
        "--max-epochs",
        type=int,
        default=FINETUNE_MAX_EPOCHS,
        help=f"most epochs (default {FINETUNE_MAX_EPOCHS}; early stopping usually ends sooner)",
    )
    p.add_argument("--min-epochs", type=int, default=0, help="epochs before early stopping")
    p.add_argument(
        "--lag",
        type=int,
        default=FINETUNE_LAG,
        help=f"epochs without improvement before stopping (default {FINETUNE_LAG})",
    )
    p.add_argument(
        "--validation-share",
        type=float,
        default=FINETUNE_VALIDATION_SHARE,
        help=f"share of pages held out (default {FINETUNE_VALIDATION_SHARE}, at least one)",
    )
    p.add_argument(
        "--learning-rate",
        type=float,
        default=FINETUNE_LEARNING_RATE,
        help=f"default {FINETUNE_LEARNING_RATE}",
    )
    p.add_argument(
        "--seed", type=int, default=GROUNDTRUTH_SEED, help="seed of the page split (default 1)"
    )
    p.set_defaults(func=cmd_finetune)
