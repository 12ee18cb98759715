"""Subcommands that OCR: ocr (one manifest), run-task (a manifests.tsv row, for make), prefetch."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from barnacle.cli.common import add_http_options, configure_http, fail, iiif_size, meta_pair
from barnacle.defaults import (
    BATCH_SIZE,
    CACHE_DIR,
    DEVICE,
    IMAGE_SIZE,
    PRECISION,
    THREADS,
    ExitCode,
)
from barnacle.display import printable

if TYPE_CHECKING:
    from barnacle.worker import ProcessingResult, WorkerOptions


def cmd_ocr(args: argparse.Namespace) -> int:
    from barnacle.worker import process_manifest

    configure_http(args)
    options = _worker_options(args)
    if isinstance(options, str):
        return fail(options)
    return _report(process_manifest(args.manifest, Path(args.out), options))


def cmd_run_task(args: argparse.Namespace) -> int:
    from barnacle.run.run_task import UnknownManifest, run_task

    configure_http(args)
    options = _worker_options(args)
    if isinstance(options, str):
        return fail(options)
    try:
        return _report(run_task(Path(args.run_dir), args.sha1, options))
    except (UnknownManifest, FileNotFoundError) as err:
        return fail(str(err), ExitCode.NOT_STARTED)


def cmd_prefetch(args: argparse.Namespace) -> int:
    from barnacle.tasks.prefetch import prefetch

    configure_http(args)
    try:
        counts, problems = prefetch(
            Path(args.run_dir),
            Path(args.cache_dir),
            args.size,
            args.max_pages,
            progress=not args.no_progress,
            only=args.manifest,
        )
    except FileNotFoundError as err:
        return fail(str(err))
    for problem in problems[:50]:
        print(f"problem: {problem}", file=sys.stderr)
    print(", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "nothing to fetch")
    return ExitCode.INVALID if problems else ExitCode.OK


def _worker_options(args: argparse.Namespace) -> WorkerOptions | str:
    """The worker options from the command line, or a message naming what to fix."""
    import logging

    from barnacle.worker import WorkerOptions

    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    if args.page_processes is not None and args.page_processes < 1:
        return "--page-processes must be 1 or more"
    if args.threads < 1:
        return "--threads must be 1 or more"
    if args.max_pages is not None and args.max_pages < 1:
        return "--max-pages must be 1 or more"
    from barnacle.ocr.device import check_precision

    if args.batch_size < 1:
        return "--batch-size must be 1 or more"
    problem = check_precision(args.precision)
    if problem:
        return problem
    return WorkerOptions(
        model=args.model,
        cache_dir=Path(args.cache_dir),
        max_pages=args.max_pages,
        size=args.size,
        device=args.device,
        threads=args.threads,
        resume=not args.no_resume,
        offline=args.offline,
        metadata=dict(args.meta),
        progress=not args.no_progress,
        max_image_pixels=args.max_image_pixels,
        precision=args.precision,
        batch_size=args.batch_size,
        segmentation_cache=not args.no_segmentation_cache,
        **({"page_processes": args.page_processes} if args.page_processes else {}),
    )


def _report(result: ProcessingResult) -> int:
    print(
        f"{result.status}: {printable(result.manifest_url)} -> {result.out} "
        f"({result.pages_done} done, {result.pages_skipped} already done, "
        f"{result.pages_failed} failed, of {result.pages_total}; {result.elapsed_s:.1f} s)"
        + (f"\n  {printable(result.message)}" if result.message else ""),
        file=sys.stderr if result.exit_code else sys.stdout,
    )
    return result.exit_code


def _add_worker_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--model",
        help="kraken recognition model: a path, or the DOI of one installed with "
        "`barnacle model get` (default: the bundled demo model)",
    )
    p.add_argument(
        "--cache-dir", default=CACHE_DIR, help=f"shared image cache (default: {CACHE_DIR})"
    )
    p.add_argument("--max-pages", type=int, help="only the first N pages")
    p.add_argument(
        "--size", default=IMAGE_SIZE, type=iiif_size, help=f"IIIF size (default: {IMAGE_SIZE})"
    )
    p.add_argument("--device", default=DEVICE, help=f"cpu, cuda or cuda:N (default: {DEVICE})")
    p.add_argument("--threads", type=int, default=THREADS, help="torch threads per page process")
    p.add_argument(
        "--page-processes",
        type=int,
        help="page processes (default: the CPUs given); with --device cuda they share the GPU",
    )
    p.add_argument(
        "--precision", default=PRECISION, help="kraken's precision, e.g. bf16-mixed on a GPU"
    )
    p.add_argument(
        "--batch-size",
        type=int,
        default=BATCH_SIZE,
        help=f"lines recognised at once (default {BATCH_SIZE})",
    )
    p.add_argument(
        "--no-segmentation-cache",
        action="store_true",
        help="segment every page anew (default: reuse segmentations kept in --cache-dir)",
    )
    p.add_argument("--no-resume", action="store_true", help="start over, discarding output")
    p.add_argument("--offline", action="store_true", help="read images from the cache only")
    p.add_argument(
        "--meta",
        type=meta_pair,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="metadata carried into every record (source_metadata_id, ark, ...)",
    )
    p.add_argument("--max-image-pixels", type=int, help="decompression bomb limit (pixels)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    add_http_options(p)


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "ocr",
        help="OCR one manifest into one JSONL file (resumable)",
        description=f"OCR one manifest into one JSONL file. Exit codes: {ExitCode.OK:d} "
        f"complete; {ExitCode.PAGE_ERRORS:d} finished with page errors (output stays .part, "
        f"errors in OUT.errors.jsonl); {ExitCode.NOT_STARTED:d} could not start (bad manifest, "
        f"missing model); {ExitCode.LOCKED:d} another worker holds the manifest; "
        f"{ExitCode.STOPPED:d} stopped because a write failed (disk full): free space and rerun "
        f"to resume; {ExitCode.USAGE:d} bad command line.",
    )
    p.add_argument("manifest", metavar="MANIFEST", help="manifest URL, or a .json file")
    p.add_argument("--out", required=True, help="JSONL to write, e.g. runs/NAME/ocr/SHA1.jsonl")
    _add_worker_options(p)
    p.set_defaults(func=cmd_ocr)

    # Internal subcommands (make calls them): added without help=, so `barnacle --help` does
    # not list them; they still run and have their own --help.

    p = sub.add_parser(
        "run-task",
        description="OCR the manifest of a run named by its SHA1 in RUN_DIR/manifests.tsv "
        "(what `make run EXECUTOR=local` runs per manifest; SLURM array tasks run `barnacle "
        "ocr`, see slurm/ocr-array.sbatch).",
    )
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("sha1", metavar="SHA1")
    _add_worker_options(p)
    p.set_defaults(func=cmd_run_task)

    p = sub.add_parser("prefetch", help="download a run's manifests and images into the cache")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument(
        "--cache-dir", default=CACHE_DIR, help=f"shared image cache (default: {CACHE_DIR})"
    )
    p.add_argument("--size", default=IMAGE_SIZE, type=iiif_size, help="IIIF size, as for ocr")
    p.add_argument("--max-pages", type=int, help="only the first N pages of each manifest")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--manifest", metavar="URL", help="only this manifest of the run (one SLURM array task)"
    )
    add_http_options(p)
    p.set_defaults(func=cmd_prefetch)
