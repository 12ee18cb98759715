"""Subcommands of the quality loop: groundtruth (pages to transcribe) and finetune (train a
model on the corrected pages, install it, compare it with its base)."""

from __future__ import annotations

import argparse
from pathlib import Path

from barnacle.cli.common import fail
from barnacle.defaults import (
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
