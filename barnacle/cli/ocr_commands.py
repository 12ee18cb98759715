"""Subcommands that OCR: ocr (one manifest), run-task (one task of a run, for make and SLURM),
prefetch."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from barnacle.cli.common import (
    add_http_options,
    add_stage_options,
    configure_http,
    fail,
    iiif_size,
    meta_pair,
)
from barnacle.defaults import CACHE_DIR, IMAGE_SIZE, PRECISION, ExitCode
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
    """One task of a run, with the run's settings.json: what make and SLURM tasks run."""
    from barnacle.run_folder import RunFolder
    from barnacle.run_folder.settings import SettingsError
    from barnacle.tasks.run_task import UnknownManifest, export_task, prefetch_task, run_task

    configure_http(args)
    _configure_logging(args.verbose)
    folder = RunFolder(Path(args.run_dir))
    try:
        if args.stage == "export":
            from barnacle.cli.output_commands import print_export_report
            from barnacle.export.run import check_formats

            formats = check_formats(args.formats.replace(",", " ").split())
            report = export_task(folder, args.sha1, formats, args.publish_url)
            return print_export_report(report, formats)
        if args.stage == "prefetch":
            counts, problems = prefetch_task(folder, args.sha1, progress=not args.no_progress)
            return _prefetch_report(counts, problems)
        return _report(
            run_task(folder, args.sha1, progress=not args.no_progress, resume=not args.no_resume)
        )
    except (UnknownManifest, FileNotFoundError, SettingsError, ValueError) as err:
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
    return _prefetch_report(counts, problems)


def _prefetch_report(counts: Counter[str], problems: list[str]) -> int:
    for problem in problems[:50]:
        print(f"problem: {problem}", file=sys.stderr)
    print(", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "nothing to fetch")
    return ExitCode.INVALID if problems else ExitCode.OK


def _configure_logging(verbose: bool) -> None:
    import logging

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(message)s",
    )


def _worker_options(args: argparse.Namespace) -> WorkerOptions | str:
    """The worker options from the command line, or a message naming what to fix."""
    from pydantic import ValidationError

    from barnacle.cli.setting_options import given_settings, validation_message
    from barnacle.ocr.device import check_precision
    from barnacle.worker import WorkerOptions

    _configure_logging(args.verbose)
    settings = given_settings(args)
    problem = check_precision(settings.get("precision") or PRECISION)
    if problem:
        return problem
    try:
        return WorkerOptions.model_validate(
            settings
            | {
                "resume": not args.no_resume,
                "metadata": dict(args.meta),
                "progress": not args.no_progress,
                "max_image_pixels": args.max_image_pixels,
                "segmentation_cache": not args.no_segmentation_cache,
            }
        )
    except ValidationError as err:
        return validation_message(err)


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
    """`barnacle ocr`'s options: the run settings' (generated from RunSettings), then this
    invocation's own."""
    from barnacle.cli.setting_options import add_setting_options

    add_setting_options(p)
    p.add_argument(
        "--no-segmentation-cache",
        action="store_true",
        help="segment every page anew (default: reuse segmentations kept in --cache-dir)",
    )
    p.add_argument("--no-resume", action="store_true", help="start over, discarding output")
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
        description="One task of a run: the manifest named by its SHA1 in RUN_DIR/manifests.tsv, "
        "with the run's settings (RUN_DIR/settings.json, written by `make run`). What `make "
        "run` runs per manifest here (make -j JOBS) and what each SLURM array task runs "
        "(slurm/ocr-array.sbatch).",
    )
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("sha1", metavar="SHA1")
    add_stage_options(p)
    p.add_argument("--no-resume", action="store_true", help="ocr: start over, discarding output")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    add_http_options(p)
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
