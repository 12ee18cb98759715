"""Subcommands that hand a run's text on: export, view, evaluate, and models by DOI."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from barnacle.atomic import atomic_write_text
from barnacle.cli.common import fail
from barnacle.defaults import PUBLISH_URL, VIEW_HOST, VIEW_PORT, ExitCode
from barnacle.display import printable
from barnacle.evaluate.metrics import WORD_SPLITS

if TYPE_CHECKING:
    from barnacle.export import ExportReport


def cmd_export(args: argparse.Namespace) -> int:
    """JSONL files (or a run's changed ones) -> ALTO, hOCR, PAGE, text, IIIF (barnacle.export)."""
    from barnacle.export import ExportOptions, ExportReport, export_jsonl, export_run
    from barnacle.export.published_urls import normalise_publish_url
    from barnacle.export.run import check_formats, default_run_dir
    from barnacle.export.source_manifest import run_cache_dir

    try:
        formats = check_formats([f for f in args.format.replace(",", " ").split() if f])
    except ValueError as err:
        return fail(str(err))
    if args.run is not None:
        if args.jsonl:
            return fail("give JSONL files or --run RUN_DIR, not both")
        try:
            report = export_run(args.run, formats, args.publish_url, args.force, args.cache_dir)
        except FileNotFoundError as err:
            return fail(str(err))
    elif not args.jsonl:
        return fail("give the JSONL files to export (runs/<RUN>/ocr/<sha1>.jsonl), or --run")
    else:
        report = ExportReport(
            run_dir=args.out_dir or default_run_dir(args.jsonl[0]), formats=formats
        )
        for jsonl in args.jsonl:
            if not jsonl.is_file():
                return fail(f"{jsonl} not found (a finished runs/<RUN>/ocr/<sha1>.jsonl)")
            run_dir = args.out_dir or default_run_dir(jsonl)
            options = ExportOptions(
                publish_url=normalise_publish_url(args.publish_url),
                cache_dir=args.cache_dir or run_cache_dir(run_dir),
            )
            report.exported.append(export_jsonl(jsonl, formats, run_dir, options))
    return print_export_report(report, formats)


def print_export_report(report: ExportReport, formats: list[str]) -> int:
    """What an export printed (notes, problems, the counts) and its exit code."""
    for note in report.notes:
        print(f"barnacle: note: {printable(str(note))}", file=sys.stderr)
    for problem in report.problems:
        print(f"barnacle: error: {printable(str(problem))}", file=sys.stderr)
    print(
        f"exported {len(report.exported)} manifest(s), {report.files} file(s) "
        f"({' '.join(formats)}); {report.up_to_date} up to date; {len(report.problems)} problem(s)"
    )
    return ExitCode.OK if report.ok else ExitCode.INVALID


def cmd_view(args: argparse.Namespace) -> int:
    from barnacle.view.access import binding_warning
    from barnacle.view.server import ViewError, open_view

    token = args.token if args.token is not None else os.environ.get("VIEW_TOKEN")
    try:
        server = open_view(
            Path(args.run_dir),
            args.host,
            args.port,
            verbose=args.verbose,
            cache_dir=args.cache_dir,
            announce=True,
            public=args.public_url,
            token=token,
        )
    except ViewError as err:
        return fail(str(err))
    from barnacle.serving import serve_until_stopped

    host, port = server.server_address[:2]
    warning = binding_warning(str(host), port, server.access.token)
    if warning:
        print(f"barnacle view: warning: {warning}", file=sys.stderr, flush=True)
    ask = " (open it once with ?token=<VIEW_TOKEN>)" if server.access.token else ""
    name, url = Path(args.run_dir).name, server.access.public_url
    print(f"serving run {name} at {url}/{ask} (Ctrl-C to stop)")
    serve_until_stopped(server)
    return ExitCode.OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    """CER and WER of one or two runs against ground truth, side by side."""
    from barnacle.evaluate import Normalisation, TruthError, evaluate_run, load_truth
    from barnacle.evaluate.report import comparison_lines

    how = Normalisation(
        fold_case=args.fold_case, drop_punctuation=args.no_punctuation, word_split=args.words
    )
    try:
        truth = load_truth(Path(args.truth))
        runs = [evaluate_run(Path(run), truth, how) for run in args.run_dir]
    except (TruthError, FileNotFoundError) as err:
        return fail(str(err))
    if not any(run.pages for run in runs):
        return fail(
            f"no page of {', '.join(args.run_dir)} has ground truth in {args.truth}: "
            "check the layout (<manifest sha1>/<canvas index>.txt or canvases.tsv)",
            ExitCode.INVALID,
        )
    print("\n".join(comparison_lines(runs, args.worst)))
    if args.json:
        data = [run.model_dump() | {"cer": run.cer, "wer": run.wer} for run in runs]
        atomic_write_text(Path(args.json), json.dumps(data, indent=1, default=str) + "\n")
        print(f"  written: {args.json}")
    return ExitCode.OK


def cmd_model_get(args: argparse.Namespace) -> int:
    """Fetch a model record by DOI into the store (needs internet), print where and its sha256."""
    from barnacle.hashing import file_sha256
    from barnacle.model_files import as_doi
    from barnacle.models.install import ModelGetError, get_model

    doi = as_doi(args.doi)
    if doi is None:
        return fail(f"{args.doi!r} is not a DOI (expected e.g. 10.5281/zenodo.10592716)")
    try:
        path, fetched = get_model(doi)
    except ModelGetError as err:
        return fail(str(err), ExitCode.INVALID)
    print(f"{doi}: {'installed' if fetched else 'already installed'} {path}")
    print(f"  sha256 {file_sha256(path)}")
    return ExitCode.OK


def cmd_model_list(args: argparse.Namespace) -> int:
    """The installed DOI models: DOI, name, path, sha256, licence."""
    from barnacle.model_files import installed_models, store_roots

    models = installed_models()
    if args.json:
        print(json.dumps([m.model_dump() for m in models], indent=2))
        return ExitCode.OK
    if not models:
        print(f"no models installed in {', '.join(str(r) for r in store_roots())}")
        return ExitCode.OK
    for m in models:
        origin = m.doi or (
            f"(fine-tuned from {printable(m.finetuned_from)})" if m.finetuned_from else None
        )
        print(f"{origin or '(DOI unknown)'}\t{printable(m.name or '-')}\t{m.licence or '-'}")
        print(f"  {m.path}\n  sha256 {m.sha256}")
    return ExitCode.OK


def _add_words_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--words",
        choices=WORD_SPLITS,
        default="whitespace",
        help="WER words: split at whitespace, punctuation attached (default), or at Unicode "
        "word boundaries, each punctuation mark a word",
    )


def _add_export(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "export", help="JSONL -> alto/page/hocr/text/iiif under the run folder (make export)"
    )
    p.add_argument(
        "format", metavar="FORMAT", help="alto, hocr, page, text, iiif; several: 'alto,iiif'"
    )
    p.add_argument(
        "jsonl", metavar="JSONL", nargs="*", type=Path, help="finished ocr/<sha1>.jsonl files"
    )
    p.add_argument(
        "--run",
        type=Path,
        metavar="RUN_DIR",
        help="export every finished JSONL of runs/<RUN> that changed (instead of JSONL files)",
    )
    p.add_argument(
        "--out-dir",
        type=Path,
        metavar="DIR",
        help="where the format folders of the JSONL files go (default: the JSONL's run folder)",
    )
    p.add_argument("--run-dir", dest="out_dir", type=Path, help=argparse.SUPPRESS)  # old name
    p.add_argument("--publish-url", help=f"where iiif/ is served (default: {PUBLISH_URL})")
    p.add_argument(
        "--cache-dir", type=Path, help="cache with the source manifests (default: the run's)"
    )
    p.add_argument("--force", action="store_true", help="with --run: export all, changed or not")
    p.set_defaults(func=cmd_export)


def _add_view(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("view", help="serve a run's report, derived IIIF, viewer and search")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--host", default=VIEW_HOST, help=f"address to listen on (default {VIEW_HOST})")
    p.add_argument("--port", type=int, default=VIEW_PORT, help=f"port (default {VIEW_PORT})")
    p.add_argument(
        "--public-url",
        help="the address users open (served ids start with it; other Host names are refused); "
        "default http://HOST:PORT",
    )
    p.add_argument(
        "--token",
        help="access token every request must carry (default: env VIEW_TOKEN; none when empty)",
    )
    p.add_argument(
        "--cache-dir", type=Path, help="cache with the source manifests (default: the run's)"
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log every request")
    p.set_defaults(func=cmd_view)


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    _add_export(sub)
    _add_view(sub)

    p = sub.add_parser(
        "evaluate", help="CER and WER of one or two runs against ground truth, side by side"
    )
    p.add_argument("run_dir", metavar="RUN_DIR", nargs="+", help="runs/NAME (two to compare)")
    p.add_argument("--truth", required=True, help="ground-truth folder (see README)")
    p.add_argument("--fold-case", action="store_true", help="compare case-insensitively")
    p.add_argument("--no-punctuation", action="store_true", help="ignore punctuation")
    _add_words_option(p)
    p.add_argument("--worst", type=int, default=10, help="worst pages listed per run")
    p.add_argument("--json", metavar="FILE", help="also write the scores as JSON")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("model", help="recognition models by DOI: get (needs internet), list")
    model_sub = p.add_subparsers(dest="model_command", required=True, metavar="ACTION")
    q = model_sub.add_parser("get", help="fetch a model record by DOI through htrmopo, once")
    q.add_argument("doi", metavar="DOI", help="e.g. 10.5281/zenodo.10592716")
    q.set_defaults(func=cmd_model_get)
    q = model_sub.add_parser("list", help="installed models: DOI, name, path, sha256, licence")
    q.add_argument("--json", action="store_true", help="print the list as JSON")
    q.set_defaults(func=cmd_model_list)
