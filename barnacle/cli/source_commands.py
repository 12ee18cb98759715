"""Subcommands that read IIIF sources: validate, image-urls (the dry run; `pages`, its old
name, still works), fetch-collection, list-manifests."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from barnacle.atomic import atomic_write_text
from barnacle.cli.common import add_http_options, configure_http, fail, iiif_size, print_report
from barnacle.defaults import IMAGE_SIZE, ExitCode
from barnacle.display import printable
from barnacle.http_client import FetchError


def cmd_validate(args: argparse.Namespace) -> int:
    from barnacle.validate import validate

    configure_http(args)
    report = validate(args.source)
    print_report(report, args.json)
    return ExitCode.OK if report.ok else ExitCode.INVALID


def cmd_image_urls(args: argparse.Namespace) -> int:
    from barnacle.dry_run import dry_run
    from barnacle.iiif import IIIFError

    configure_http(args)
    try:
        report = dry_run(args.source, args.size)
    except IIIFError as err:
        return fail(str(err))
    print_report(report, args.json)
    return ExitCode.OK if report.urls else ExitCode.INVALID


def cmd_fetch_collection(args: argparse.Namespace) -> int:
    from barnacle.listing import SourceError, fetch_snapshot

    configure_http(args)
    try:
        snapshot = fetch_snapshot(args.source, progress=not args.no_progress)
    except (SourceError, FetchError) as err:
        return fail(str(err), ExitCode.INVALID)
    out = Path(args.out)
    atomic_write_text(out, snapshot.model_dump_json(indent=1) + "\n")
    for warning in snapshot.warnings:
        print(f"warning: {printable(warning)}", file=sys.stderr)
    print(
        f"{len(snapshot.entries)} manifest references from {snapshot.source_kind} "
        f"{printable(args.source)} -> {out}"
    )
    return ExitCode.OK


def cmd_list_manifests(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from barnacle.listing import CollectionSnapshot, build_table, write_table
    from barnacle.run_folder import RunFolder

    snapshot_path = Path(args.snapshot)
    if not snapshot_path.is_file():
        return fail(f"{snapshot_path}: no such snapshot; run scripts/fetch-collection first")
    try:
        snapshot = CollectionSnapshot.model_validate_json(snapshot_path.read_bytes())
    except ValidationError as err:
        return fail(
            f"{snapshot_path}: not a fetch-collection snapshot ({err.error_count()} errors)"
        )
    run_dir = Path(args.run_dir) if args.run_dir else snapshot_path.parent
    out = Path(args.out) if args.out else RunFolder(run_dir).manifests_tsv
    table = build_table(snapshot, run_dir)
    write_table(table, out)
    for problem in table.invalid:
        print(f"invalid: {printable(problem)}", file=sys.stderr)
    print(
        f"{len(table.rows)} manifests -> {out} "
        f"({table.duplicates} duplicates dropped, {len(table.invalid)} invalid)"
    )
    return ExitCode.OK


IMAGE_URLS_DESCRIPTION = (
    "For each canvas of a manifest: index, id, label, image service (Image API version and "
    "compliance level) and the image URL the worker would download, or why the canvas is "
    "skipped. Only the manifest and info.json are requested. "
    f"Exit {ExitCode.INVALID:d} when no canvas has an image to fetch."
)


def _add_image_urls(p: argparse.ArgumentParser) -> None:
    """The arguments of `barnacle image-urls` (and of `pages`, its old name)."""
    p.add_argument("source", metavar="URL|FILE", help="manifest URL or .json file")
    p.add_argument("--size", default=IMAGE_SIZE, type=iiif_size, help="IIIF size, as for ocr")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    add_http_options(p)
    p.set_defaults(func=cmd_image_urls)


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("validate", help="check an IIIF manifest or collection (URL or file)")
    p.add_argument("source", metavar="URL|FILE")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    add_http_options(p)
    p.set_defaults(func=cmd_validate)

    _add_image_urls(
        sub.add_parser(
            "image-urls",
            help="dry run: per canvas, the image service and the exact URL the worker would fetch",
            description=IMAGE_URLS_DESCRIPTION,
        )
    )
    # Its old name, kept for scripts: added without help=, so `barnacle --help` does not list it.
    _add_image_urls(sub.add_parser("pages", description=IMAGE_URLS_DESCRIPTION))

    p = sub.add_parser(
        "fetch-collection", help="snapshot SOURCE (collection/manifest URL, .json, .txt, .csv)"
    )
    p.add_argument("source", metavar="SOURCE")
    p.add_argument(
        "out", metavar="OUT", help="snapshot file to write, e.g. runs/NAME/collection.json"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_http_options(p)
    p.set_defaults(func=cmd_fetch_collection)

    p = sub.add_parser("list-manifests", help="snapshot -> manifests.tsv (unique, validated)")
    p.add_argument("snapshot", metavar="SNAPSHOT", help="runs/NAME/collection.json")
    p.add_argument("--run-dir", help="run directory (default: the snapshot's folder)")
    p.add_argument("--out", help="TSV to write (default: RUN_DIR/manifests.tsv)")
    p.set_defaults(func=cmd_list_manifests)
