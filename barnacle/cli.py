"""`barnacle ...`: argument parsing and one call into the package per subcommand."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from barnacle import __version__
from barnacle.atomic import atomic_write_text
from barnacle.fetch import FetchError, HttpSettings, get_session

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"barnacle: error: {message}", file=sys.stderr)
    return code


def _add_http_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("HTTP")
    group.add_argument(
        "--contact", help="URL or email put in the User-Agent (env BARNACLE_CONTACT)"
    )
    group.add_argument(
        "--min-interval",
        type=float,
        metavar="S",
        help="seconds between requests to one host (env BARNACLE_MIN_INTERVAL; default 0)",
    )
    group.add_argument("--retries", type=int, help="retries on 429/5xx/timeouts (default 5)")


def _configure_http(args: argparse.Namespace) -> None:
    get_session(
        HttpSettings.from_env(
            contact=args.contact, min_interval=args.min_interval, retries=args.retries
        )
    )


def cmd_validate(args: argparse.Namespace) -> int:
    from barnacle.validate import validate

    _configure_http(args)
    report = validate(args.source)
    if args.json:
        print(report.model_dump_json(indent=2))
    else:
        print("\n".join(report.lines()))
    return EXIT_OK if report.ok else EXIT_INVALID


def cmd_fetch_collection(args: argparse.Namespace) -> int:
    from barnacle.listing import SourceError, fetch_snapshot

    _configure_http(args)
    try:
        snapshot = fetch_snapshot(args.source, progress=not args.no_progress)
    except (SourceError, FetchError) as err:
        return _fail(str(err), EXIT_INVALID)
    out = Path(args.out)
    atomic_write_text(out, snapshot.model_dump_json(indent=1) + "\n")
    for warning in snapshot.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(
        f"{len(snapshot.entries)} manifest references from {snapshot.source_kind} "
        f"{args.source} -> {out}"
    )
    return EXIT_OK


def cmd_list_manifests(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from barnacle.listing import CollectionSnapshot, build_table, write_table

    snapshot_path = Path(args.snapshot)
    if not snapshot_path.is_file():
        return _fail(f"{snapshot_path}: no such snapshot; run scripts/fetch-collection first")
    try:
        snapshot = CollectionSnapshot.model_validate_json(snapshot_path.read_bytes())
    except ValidationError as err:
        return _fail(
            f"{snapshot_path}: not a fetch-collection snapshot ({err.error_count()} errors)"
        )
    run_dir = Path(args.run_dir) if args.run_dir else snapshot_path.parent
    out = Path(args.out) if args.out else run_dir / "manifests.tsv"
    table = build_table(snapshot, run_dir)
    write_table(table, out)
    for problem in table.invalid:
        print(f"invalid: {problem}", file=sys.stderr)
    print(
        f"{len(table.rows)} manifests -> {out} "
        f"({table.duplicates} duplicates dropped, {len(table.invalid)} invalid)"
    )
    return EXIT_OK


def _meta_pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def cmd_ocr(args: argparse.Namespace) -> int:
    import logging

    from barnacle.worker import WorkerOptions, process_manifest

    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    _configure_http(args)
    if args.workers is not None and args.workers < 1:
        return _fail("--workers must be 1 or more")
    if args.threads < 1:
        return _fail("--threads must be 1 or more")
    options = WorkerOptions(
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
        **({"workers": args.workers} if args.workers else {}),
    )
    result = process_manifest(args.manifest, Path(args.out), options)
    print(
        f"{result.status}: {args.manifest} -> {result.out} "
        f"({result.pages_done} done, {result.pages_skipped} already done, "
        f"{result.pages_failed} failed, of {result.pages_total}; {result.elapsed_s:.1f} s)"
        + (f"\n  {result.message}" if result.message else ""),
        file=sys.stderr if result.exit_code else sys.stdout,
    )
    return result.exit_code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="barnacle", description="IIIF collections to machine-readable text with Kraken OCR."
    )
    parser.add_argument("--version", action="version", version=f"barnacle {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check an IIIF manifest or collection (URL or file)")
    p.add_argument("source", metavar="URL|FILE")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    _add_http_options(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "fetch-collection", help="snapshot SOURCE (collection/manifest URL, .json, .txt, .csv)"
    )
    p.add_argument("source", metavar="SOURCE")
    p.add_argument(
        "out", metavar="OUT", help="snapshot file to write, e.g. runs/NAME/collection.json"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_http_options(p)
    p.set_defaults(func=cmd_fetch_collection)

    p = sub.add_parser("list-manifests", help="snapshot -> manifests.tsv (unique, validated)")
    p.add_argument("snapshot", metavar="SNAPSHOT", help="runs/NAME/collection.json")
    p.add_argument("--run-dir", help="run directory (default: the snapshot's folder)")
    p.add_argument("--out", help="TSV to write (default: RUN_DIR/manifests.tsv)")
    p.set_defaults(func=cmd_list_manifests)

    p = sub.add_parser(
        "ocr",
        help="OCR one manifest into one JSONL file (resumable)",
        description="OCR one manifest into one JSONL file. Exit codes: 0 complete; "
        "3 finished with page errors (output stays .part, errors in OUT.errors.jsonl); "
        "4 could not start (bad manifest, missing model); 5 another worker holds the manifest; "
        "2 bad command line.",
    )
    p.add_argument("manifest", metavar="MANIFEST", help="manifest URL")
    p.add_argument("--out", required=True, help="JSONL to write, e.g. runs/NAME/ocr/SHA1.jsonl")
    p.add_argument("--model", help="kraken recognition model (default: the bundled demo model)")
    p.add_argument("--cache-dir", default="cache", help="shared image cache (default: cache)")
    p.add_argument("--max-pages", type=int, help="only the first N pages")
    p.add_argument("--size", default="!3000,3000", help="IIIF size (default: !3000,3000)")
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (default: cpu)")
    p.add_argument("--threads", type=int, default=1, help="torch threads per page process")
    p.add_argument("--workers", type=int, help="page processes (default: the CPUs given)")
    p.add_argument("--no-resume", action="store_true", help="start over, discarding output")
    p.add_argument("--offline", action="store_true", help="read images from the cache only")
    p.add_argument(
        "--meta",
        type=_meta_pair,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="metadata carried into every record (source_metadata_id, ark, ...)",
    )
    p.add_argument("--max-image-pixels", type=int, help="decompression bomb limit (pixels)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    _add_http_options(p)
    p.set_defaults(func=cmd_ocr)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


if __name__ == "__main__":
    sys.exit(main())
