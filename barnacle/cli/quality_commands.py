"""Subcommands of the quality loop: groundtruth (pages to transcribe) and finetune (train a
model on the corrected pages, install it, compare it with its base)."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from barnacle.cli.common import fail, slurm_memory
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
    for message in report.torn_lines:
        print(f"  left out, {message}")
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
    from barnacle.model_files.resolve import ModelNotFound
    from barnacle.ocr.errors import OcrError

    if args.slurm:
        return _submit_finetune(args)
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


def _job_arguments(args: argparse.Namespace) -> list[str]:
    """The finetune options the SLURM job passes on to its own `barnacle finetune`."""
    return [
        f"--name={args.name}",
        f"--device={args.device}",
        f"--threads={args.cpus or args.threads}",
        f"--max-epochs={args.max_epochs}",
        f"--min-epochs={args.min_epochs}",
        f"--lag={args.lag}",
        f"--validation-share={args.validation_share}",
        f"--learning-rate={args.learning_rate}",
        f"--seed={args.seed}",
    ]


def _submit_finetune(args: argparse.Namespace) -> int:
    """Check the inputs here, then submit the fine-tuning as one SLURM job."""
    from barnacle.finetune import FinetuneError
    from barnacle.finetune.install import InstallError
    from barnacle.finetune.run import check_inputs
    from barnacle.finetune.slurm import job_command, submit_finetune
    from barnacle.job_arrays.cluster import SlurmError
    from barnacle.job_arrays.sbatch import SbatchOptions
    from barnacle.model_files.resolve import ModelNotFound

    try:
        check_inputs(Path(args.truth), args.base, args.name, args.seed, args.validation_share)
    except (FinetuneError, InstallError, ModelNotFound) as err:
        return fail(str(err))
    options = SbatchOptions(
        partition=args.partition,
        cpus_per_task=args.cpus,
        mem=args.mem,
        time=args.time,
        gres=args.gres,
        account=args.account,
        extra=shlex.split(args.sbatch_extra or ""),
    )
    command = job_command(_job_arguments(args), Path(args.truth), args.base)
    try:
        submit_finetune(options, args.name, Path(args.log_dir), command, dry_run=args.dry_run)
    except SlurmError as err:
        return fail(str(err), ExitCode.INVALID)
    return ExitCode.OK


def _add_slurm_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--slurm", action="store_true", help="train in one SLURM job (sbatch)")
    p.add_argument(
        "--log-dir", default="logs", help="where the SLURM job's output goes (default logs/)"
    )
    p.add_argument("--partition", help="SLURM partition")
    p.add_argument("--cpus", type=int, help="SLURM --cpus-per-task (the job's torch threads)")
    p.add_argument("--mem", type=slurm_memory, help="SLURM --mem with its unit, e.g. 8G")
    p.add_argument("--time", help="SLURM --time, e.g. 04:00:00")
    p.add_argument("--gres", help="SLURM --gres, e.g. gpu:1 (then --device=cuda)")
    p.add_argument("--account", help="SLURM --account")
    p.add_argument("--sbatch-extra", help="more sbatch options, e.g. --qos=low")
    p.add_argument("--dry-run", action="store_true", help="print the sbatch command only")


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

    _add_finetune_parser(sub)


def _add_finetune_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    _add_slurm_options(p)
    p.set_defaults(func=cmd_finetune)
