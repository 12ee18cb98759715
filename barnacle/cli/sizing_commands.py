"""Subcommands that size a run and manage the shared cache: plan, cache-size, clean-cache."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from barnacle.cli.common import add_http_options, configure_http, fail, iiif_size
from barnacle.defaults import ARRAY_THROTTLE, CACHE_DIR, IMAGE_SIZE, ExitCode


def cmd_plan(args: argparse.Namespace) -> int:
    """RUN_DIR/manifests.tsv -> pages, CPU-hours, wall time, MEM/TIME per task, disk."""
    from barnacle.sizing import PlanSettings, count_pages, load_figures, plan_run
    from barnacle.sizing.figures import EXPORT_FORMATS
    from barnacle.sizing.report import plan_lines

    formats = [f for f in re.split(r"[\s,]+", args.formats) if f]
    unknown = sorted(set(formats) - set(EXPORT_FORMATS))
    if unknown:
        return fail(
            f"unknown format(s) {', '.join(unknown)}: choose from {' '.join(EXPORT_FORMATS)}"
        )
    if args.cpus < 1 or args.throttle < 0:
        return fail("--cpus must be 1 or more and --throttle 0 or more")
    configure_http(args)
    try:
        figures = load_figures(args.figures)
        counts = count_pages(Path(args.run_dir), Path(args.cache_dir))
    except (FileNotFoundError, ValueError) as err:
        return fail(str(err))
    settings = PlanSettings(
        cpus=args.cpus,
        throttle=args.throttle,
        max_pages=args.max_pages,
        gres=args.gres,
        formats=formats,
    )
    plan = plan_run(counts, settings, figures)
    plan.notes.append(_model_note(args.model))
    if args.json:
        print(json.dumps(plan.model_dump(), indent=2))
    else:
        print("\n".join(plan_lines(plan, figures)))
    return ExitCode.OK


def cmd_cache_size(args: argparse.Namespace) -> int:
    """Files and bytes of CACHE_DIR by kind, and with --run the images of that run."""
    from barnacle.cache_upkeep import cache_usage, run_images

    cache_dir = Path(args.cache_dir)
    usage = cache_usage(cache_dir)
    print(f"{cache_dir}: {usage.total_files:,} files, {_gb(usage.total_bytes)}")
    for kind in sorted(usage.files):
        print(f"  {kind:<22} {usage.files[kind]:>10,} files {_gb(usage.bytes[kind]):>12}")
    if args.run:
        try:
            images = run_images(Path(args.run), cache_dir, args.size)
        except FileNotFoundError as err:
            return fail(str(err))
        for what, paths in (
            (
                f"of its {images.finished_manifests:,} finished manifest(s) (clean-cache)",
                images.finished_only,
            ),
            (f"still needed by {images.unfinished_manifests:,} manifest(s)", images.needed),
        ):
            size = sum(path.stat().st_size for path in paths if path.exists())
            print(f"{args.run}: {len(paths):,} page images {what}: {_gb(size)}")
    return ExitCode.OK


def cmd_clean_cache(args: argparse.Namespace) -> int:
    """Remove the cached images of RUN_DIR's finished manifests."""
    from barnacle.cache_upkeep import clean_run_images

    try:
        report = clean_run_images(
            Path(args.run_dir), Path(args.cache_dir), args.size, dry_run=args.dry_run
        )
    except FileNotFoundError as err:
        return fail(str(err))
    print(report.line(Path(args.cache_dir)))
    return ExitCode.OK


def _gb(count: int) -> str:
    return f"{count / 1e9:,.2f} GB"


def _model_note(model: str | None) -> str:
    """Whether MODEL resolves here (a DOI not installed stops `make run` before any page)."""
    from barnacle.model_files.resolve import ModelNotFound, resolve_model

    try:
        ref, path = resolve_model(model)
    except ModelNotFound as err:
        return f"MODEL: {err}"
    return (
        f"MODEL {ref} resolves to {path}; the figures are the demo model's, and recognition "
        "is under a tenth of a page's time (segmentation is most of it)"
    )


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "plan",
        help="size a run before it starts: pages, CPU-hours, wall time, MEM/TIME, disk",
        description="Count the pages of every manifest of RUN_DIR/manifests.tsv (from the "
        "cache when it holds the manifest; counts kept in RUN_DIR/page-counts.tsv) and print "
        "CPU-hours, wall time at --throttle tasks of --cpus CPUs, the --mem and --time each "
        "array task should ask for, and disk for the image cache, the records and each export "
        "format, from per-page figures (barnacle/sizing/figures.py, or --figures FILE).",
    )
    p.add_argument("run_dir", metavar="RUN_DIR", help="runs/<RUN> with manifests.tsv")
    p.add_argument("--cache-dir", default=CACHE_DIR, help=f"shared cache (default {CACHE_DIR})")
    p.add_argument("--cpus", type=int, default=1, help="CPUs (page processes) per task")
    p.add_argument(
        "--throttle",
        type=int,
        default=ARRAY_THROTTLE,
        help=f"array tasks at once (default {ARRAY_THROTTLE}; 0: no limit)",
    )
    p.add_argument("--max-pages", type=int, help="only the first N pages of each manifest")
    p.add_argument("--gres", help="SLURM --gres of the tasks, e.g. gpu:1")
    p.add_argument("--model", help="the run's model: checked that it resolves here")
    p.add_argument(
        "--formats", default="alto hocr page text iiif", help="export formats to count disk for"
    )
    p.add_argument("--figures", type=Path, help="per-page figures (bench_worker.py --figures-out)")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    add_http_options(p)
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser(
        "cache-size",
        help="files and bytes in the shared cache, by kind, and the images of a run",
        description="Files and bytes in CACHE_DIR by kind (page images, info.json, manifests, "
        "segmentations, downloads in progress). With --run, the page images of that run's "
        "finished manifests (what clean-cache removes) and those its other manifests need.",
    )
    _add_cache_options(p)
    p.add_argument("--run", metavar="RUN_DIR", help="also count the images of runs/<RUN>")
    p.set_defaults(func=cmd_cache_size)

    p = sub.add_parser(
        "clean-cache",
        help="remove the cached page images of a run's finished manifests",
        description="Remove from CACHE_DIR the page images of RUN_DIR's finished manifests "
        "(ocr/<sha1>.jsonl exists), found by the records' image_url. Images that a manifest "
        "not finished (partial, failed, queued, not started) has used or will ask for are "
        "kept, as are the cached manifests (the IIIF export reads them), info.json files "
        "and segmentations.",
    )
    p.add_argument("run_dir", metavar="RUN_DIR", help="runs/<RUN> with manifests.tsv")
    _add_cache_options(p)
    p.add_argument("--dry-run", action="store_true", help="count, remove nothing")
    p.set_defaults(func=cmd_clean_cache)


def _add_cache_options(p: argparse.ArgumentParser) -> None:
    """--cache-dir and --size (checked here, as every command that takes it) of cache-size
    and clean-cache: the size recomputes the requests of the manifests not finished."""
    p.add_argument("--cache-dir", default=CACHE_DIR, help=f"default {CACHE_DIR}")
    p.add_argument(
        "--size",
        default=IMAGE_SIZE,
        type=iiif_size,
        help=f"IIIF image size the run asks for (default {IMAGE_SIZE}): plans its requests",
    )
