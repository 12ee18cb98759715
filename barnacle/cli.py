"""`barnacle ...`: argument parsing and one call into the package per subcommand."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from barnacle import __version__
from barnacle.atomic import atomic_write_text
from barnacle.defaults import (
    ARRAY_THROTTLE,
    BATCH_SIZE,
    CACHE_DIR,
    DEVICE,
    IMAGE_SIZE,
    PRECISION,
    THREADS,
    VIEW_HOST,
    VIEW_PORT,
    ExitCode,
)
from barnacle.display import printable
from barnacle.http_client import FetchError, HttpSettings, get_session

if TYPE_CHECKING:
    from barnacle.worker import ProcessingResult, WorkerOptions


def _fail(message: str, code: int = ExitCode.USAGE) -> int:
    print(f"barnacle: error: {printable(message)}", file=sys.stderr)
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
    group.add_argument(
        "--retries",
        type=int,
        help="retries on 429/5xx, resets, timeouts, truncated bodies (default 5)",
    )


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
        print("\n".join(printable(line) for line in report.lines()))
    return ExitCode.OK if report.ok else ExitCode.INVALID


def cmd_pages(args: argparse.Namespace) -> int:
    from barnacle.dry_run import dry_run
    from barnacle.iiif import IIIFError

    _configure_http(args)
    try:
        report = dry_run(args.source, args.size)
    except IIIFError as err:
        return _fail(str(err))
    if args.json:
        print(report.model_dump_json(indent=2))
    else:
        print("\n".join(printable(line) for line in report.lines()))
    return ExitCode.OK if report.urls else ExitCode.INVALID


def cmd_fetch_collection(args: argparse.Namespace) -> int:
    from barnacle.listing import SourceError, fetch_snapshot

    _configure_http(args)
    try:
        snapshot = fetch_snapshot(args.source, progress=not args.no_progress)
    except (SourceError, FetchError) as err:
        return _fail(str(err), ExitCode.INVALID)
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
        print(f"invalid: {printable(problem)}", file=sys.stderr)
    print(
        f"{len(table.rows)} manifests -> {out} "
        f"({table.duplicates} duplicates dropped, {len(table.invalid)} invalid)"
    )
    return ExitCode.OK


def _meta_pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


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


def cmd_ocr(args: argparse.Namespace) -> int:
    from barnacle.worker import process_manifest

    _configure_http(args)
    options = _worker_options(args)
    if isinstance(options, str):
        return _fail(options)
    return _report(process_manifest(args.manifest, Path(args.out), options))


def cmd_run_task(args: argparse.Namespace) -> int:
    from barnacle.run.run_task import UnknownManifest, run_task

    _configure_http(args)
    options = _worker_options(args)
    if isinstance(options, str):
        return _fail(options)
    try:
        return _report(run_task(Path(args.run_dir), args.sha1, options))
    except (UnknownManifest, FileNotFoundError) as err:
        return _fail(str(err), ExitCode.NOT_STARTED)


def cmd_submit_array(args: argparse.Namespace) -> int:
    """RUN_DIR/manifests.tsv -> SLURM job arrays of `barnacle ocr` (barnacle.job_arrays)."""
    import shlex

    from barnacle.job_arrays import SbatchOptions, SlurmError, WorkerEnv, submit
    from barnacle.job_arrays.sbatch import local_path

    if args.throttle < 0:
        return _fail("--throttle must be 0 or more")
    given = vars(args)  # options named as their field pass through as given
    options = SbatchOptions(
        cpus_per_task=args.cpus,
        throttle=args.throttle or None,
        extra=shlex.split(args.sbatch_extra),
        **{name: given[name] for name in "partition mem time gres account job_name".split()},
    )
    passed_as_given = (
        "max_pages size device threads page_processes offline container_runtime gres precision "
        "batch_size"
    ).split()
    worker = WorkerEnv(
        barnacle=local_path(args.barnacle),
        model=local_path(args.model),
        cache_dir=str(Path(args.cache_dir).expanduser().resolve()) if args.cache_dir else None,
        container=local_path(args.container),
        **{name: given[name] for name in passed_as_given},
    )
    run_dir = Path(args.run_dir)
    try:
        result = submit(
            run_dir,
            options,
            worker,
            skip_queued=args.skip_queued,
            dry_run=args.dry_run,
            max_array=args.max_array_size,
        )
    except (SlurmError, FileNotFoundError, ValueError) as err:
        return _fail(str(err), ExitCode.INVALID)
    print("\n".join(result.lines(run_dir, args.dry_run)))
    return ExitCode.OK


def cmd_status(args: argparse.Namespace) -> int:
    from barnacle.run.status import run_status

    try:
        status = run_status(Path(args.run_dir), _busy(Path(args.run_dir)))
    except FileNotFoundError as err:
        return _fail(str(err))
    print("\n".join(status.lines()))
    from barnacle.models.confidence import low_confidence_lines, low_confidence_manifests

    for line in low_confidence_lines(low_confidence_manifests(Path(args.run_dir))):
        print(line)
    return ExitCode.OK


def _busy(run_dir: Path) -> set[Path]:
    """Outputs queued or running in SLURM (empty without SLURM or without arrays)."""
    import shutil

    if not shutil.which("squeue"):
        return set()
    from barnacle.job_arrays.cluster import SlurmError
    from barnacle.job_arrays.submission import busy_outputs

    try:
        return busy_outputs(run_dir)
    except SlurmError as err:
        print(f"warning: squeue failed, queued jobs not counted: {err}", file=sys.stderr)
        return set()


def cmd_summarize(args: argparse.Namespace) -> int:
    from barnacle.run.chart import draw_progress_chart
    from barnacle.run.layout import summary_json
    from barnacle.run.metadata import record_run
    from barnacle.run.status import run_status
    from barnacle.run.summary import summarize, summary_lines, timeline

    run_dir = Path(args.run_dir)
    try:
        summary = summarize(run_dir, run_status(run_dir, _busy(run_dir)))
    except FileNotFoundError as err:
        return _fail(str(err))
    from barnacle.models.confidence import low_confidence_lines, low_confidence_manifests

    summary["low_confidence_manifests"] = low_confidence_manifests(run_dir)
    atomic_write_text(summary_json(run_dir), json.dumps(summary, indent=2) + "\n")
    record_run(run_dir, summary)  # metadata.json: end time, counts (SLURM runs too)
    failed = run_dir / "failed-manifests.txt"
    atomic_write_text(
        failed, "".join(f["manifest_url"] + "\n" for f in summary["failed_manifests"])
    )
    print(
        "\n".join(
            summary_lines(summary) + low_confidence_lines(summary["low_confidence_manifests"])
        )
    )
    print(f"  written: {summary_json(run_dir)}, {failed}", end="")
    if not args.no_chart:
        chart = draw_progress_chart(
            timeline(run_dir), run_dir / "progress.png", f"run {run_dir.name}"
        )
        print(f", {chart}", end="")
    print()
    return ExitCode.OK


def cmd_prefetch(args: argparse.Namespace) -> int:
    from barnacle.run.prefetch import prefetch

    _configure_http(args)
    try:
        counts, problems = prefetch(
            Path(args.run_dir),
            Path(args.cache_dir),
            args.size,
            args.max_pages,
            progress=not args.no_progress,
        )
    except FileNotFoundError as err:
        return _fail(str(err))
    for problem in problems[:50]:
        print(f"problem: {problem}", file=sys.stderr)
    print(", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "nothing to fetch")
    return ExitCode.INVALID if problems else ExitCode.OK


def cmd_run_info(args: argparse.Namespace) -> int:
    """Record a run's provenance in metadata.json (make run calls this)."""
    from datetime import UTC, datetime

    from barnacle import __version__
    from barnacle.hashing import file_sha256
    from barnacle.ocr.identity import kraken_version
    from barnacle.records.provenance import container_id, git_commit
    from barnacle.run.metadata import update_metadata
    from barnacle.run.status import run_status
    from barnacle.worker.model_ref import ModelNotFound, model_doi, resolve_model

    run_dir = Path(args.run_dir)
    now = datetime.now(UTC).isoformat()
    fields: dict[str, object] = {"run": run_dir.name}
    if args.start:
        from barnacle.run.metadata import read_metadata
        from barnacle.run.settings_guard import collection_conflict, plan_conflict
        from barnacle.worker import WorkerOptions

        try:
            ref, path = resolve_model(args.model)
        except ModelNotFound as err:
            return _fail(str(err))
        from barnacle.models.demo_guard import demo_model_refusal

        sha256 = file_sha256(path)
        size = dict(args.set).get("SIZE") or WorkerOptions.model_fields["size"].default
        source = dict(args.set).get("COLLECTION")
        refusal = (
            collection_conflict(run_dir, source)
            or plan_conflict(run_dir, read_metadata(run_dir), sha256, ref, size)
            or demo_model_refusal(ref, source)
        )
        if refusal:
            return _fail(refusal)
        fields.update(
            started_at=read_metadata(run_dir).get("started_at") or now,
            resumed_at=now,
            git_commit=git_commit(),
            container=args.container or container_id(),
            barnacle_version=__version__,
            engine="kraken",
            engine_version=kraken_version(),
            model={
                "ref": ref,
                "resolved": str(path),
                "sha256": sha256,
                "doi": model_doi(args.model),
            },
            size=size,
            make_variables=dict(args.set) or None,
        )
        if source:
            fields["source"] = source
    if args.end:
        fields["finished_at"] = now
        try:
            fields["counts"] = dict(run_status(run_dir).counts)
        except FileNotFoundError:
            pass
    update_metadata(run_dir, **fields)
    if args.end and "counts" in fields:
        from barnacle.run.metadata import record_run
        from barnacle.run.summary import summarize

        record_run(run_dir, summarize(run_dir))
    return ExitCode.OK


def cmd_model_get(args: argparse.Namespace) -> int:
    """Fetch a model record by DOI into the store (needs internet), print where and its sha256."""
    from barnacle.hashing import file_sha256
    from barnacle.models import as_doi
    from barnacle.models.install import ModelGetError, get_model

    doi = as_doi(args.doi)
    if doi is None:
        return _fail(f"{args.doi!r} is not a DOI (expected e.g. 10.5281/zenodo.10592716)")
    try:
        path, fetched = get_model(doi)
    except ModelGetError as err:
        return _fail(str(err), ExitCode.INVALID)
    print(f"{doi}: {'installed' if fetched else 'already installed'} {path}")
    print(f"  sha256 {file_sha256(path)}")
    return ExitCode.OK


def cmd_model_list(args: argparse.Namespace) -> int:
    """The installed DOI models: DOI, name, path, sha256, licence."""
    from barnacle.models import installed_models, store_roots

    models = installed_models()
    if args.json:
        print(json.dumps([m.model_dump() for m in models], indent=2))
        return ExitCode.OK
    if not models:
        print(f"no models installed in {', '.join(str(r) for r in store_roots())}")
        return ExitCode.OK
    for m in models:
        print(f"{m.doi or '(DOI unknown)'}\t{printable(m.name or '-')}\t{m.licence or '-'}")
        print(f"  {m.path}\n  sha256 {m.sha256}")
    return ExitCode.OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    """CER and WER of one or two runs against ground truth, side by side."""
    from barnacle.evaluate import Normalisation, TruthError, evaluate_run, load_truth
    from barnacle.evaluate.report import comparison_lines

    how = Normalisation(fold_case=args.fold_case, drop_punctuation=args.no_punctuation)
    try:
        truth = load_truth(Path(args.truth))
        runs = [evaluate_run(Path(run), truth, how) for run in args.run_dir]
    except (TruthError, FileNotFoundError) as err:
        return _fail(str(err))
    if not any(run.pages for run in runs):
        return _fail(
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


def cmd_view(args: argparse.Namespace) -> int:
    from barnacle.view.server import ViewError, open_view

    try:
        server = open_view(
            Path(args.run_dir),
            args.host,
            args.port,
            verbose=args.verbose,
            cache_dir=args.cache_dir,
            announce=True,
        )
    except ViewError as err:
        return _fail(str(err))
    from barnacle.serving import serve_until_stopped

    host, port = server.server_address[:2]
    print(f"serving run {Path(args.run_dir).name} at http://{host!s}:{port}/ (Ctrl-C to stop)")
    serve_until_stopped(server)
    return ExitCode.OK


def cmd_export(args: argparse.Namespace) -> int:
    """JSONL files (or a run's changed ones) -> ALTO, hOCR, PAGE, text, IIIF (barnacle.export)."""
    from barnacle.export import ExportOptions, ExportReport, export_jsonl, export_run
    from barnacle.export.layout import normalise_publish_url
    from barnacle.export.run import check_formats, default_run_dir
    from barnacle.export.source_manifest import run_cache_dir

    try:
        formats = check_formats([f for f in args.format.replace(",", " ").split() if f])
    except ValueError as err:
        return _fail(str(err))
    if args.run is not None:
        if args.jsonl:
            return _fail("give JSONL files or --run RUN_DIR, not both")
        report = export_run(args.run, formats, args.publish_url, args.force, args.cache_dir)
    elif not args.jsonl:
        return _fail("give the JSONL files to export (runs/<RUN>/ocr/<sha1>.jsonl), or --run")
    else:
        report = ExportReport(
            run_dir=args.run_dir or default_run_dir(args.jsonl[0]), formats=formats
        )
        for jsonl in args.jsonl:
            if not jsonl.is_file():
                return _fail(f"{jsonl} not found (a finished runs/<RUN>/ocr/<sha1>.jsonl)")
            run_dir = args.run_dir or default_run_dir(jsonl)
            options = ExportOptions(
                publish_url=normalise_publish_url(args.publish_url),
                cache_dir=args.cache_dir or run_cache_dir(run_dir),
            )
            report.exported.append(export_jsonl(jsonl, formats, run_dir, options))
    for note in report.notes:
        print(f"barnacle: note: {printable(str(note))}", file=sys.stderr)
    for problem in report.problems:
        print(f"barnacle: error: {printable(str(problem))}", file=sys.stderr)
    print(
        f"exported {len(report.exported)} manifest(s), {report.files} file(s) "
        f"({' '.join(formats)}); {report.up_to_date} up to date; {len(report.problems)} problem(s)"
    )
    return ExitCode.OK if report.ok else ExitCode.INVALID


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
        "pages",
        help="dry run: per canvas, the image service and the exact URL the worker would fetch",
        description="For each canvas of a manifest: index, id, label, image service (Image "
        "API version and compliance level) and the image URL the worker would download, or "
        "why the canvas is skipped. Only the manifest and info.json are requested. Exit 1 "
        "when no canvas has an image to fetch.",
    )
    p.add_argument("source", metavar="URL|FILE", help="manifest URL or .json file")
    p.add_argument("--size", default=IMAGE_SIZE, help="IIIF size, as for ocr")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    _add_http_options(p)
    p.set_defaults(func=cmd_pages)

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
        "6 stopped because a write failed (disk full): free space and rerun to resume; "
        "2 bad command line.",
    )
    p.add_argument("manifest", metavar="MANIFEST", help="manifest URL")
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

    p = sub.add_parser(
        "submit-array",
        help="submit a run's manifests without output to SLURM as job arrays of `barnacle ocr`",
        description="Submit RUN_DIR/manifests.tsv to SLURM as job arrays of `barnacle ocr` "
        "(one task per manifest). Each array task runs slurm/ocr-array.sbatch on one line of a "
        "task list written to RUN_DIR/slurm/; logs go to RUN_DIR/logs/%A_%a.out; job ids are "
        "added to RUN_DIR/metadata.json. Manifests whose output exists are skipped. Tasks of "
        "earlier arrays that are still queued or running are never submitted twice: "
        "--skip-queued submits the rest (resubmission). Needs SLURM_CONF (or "
        "/etc/slurm/slurm.conf) for the cluster; see slurm/local-cluster.",
    )
    _add_submit_options(p)
    p.set_defaults(func=cmd_submit_array)

    p = sub.add_parser("status", help="complete / running / partial / failed / not started")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("summarize", help="summary.json, a table and a progress chart of a run")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--no-chart", action="store_true", help="skip the PNG chart")
    p.set_defaults(func=cmd_summarize)

    p = sub.add_parser("prefetch", help="download a run's manifests and images into the cache")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument(
        "--cache-dir", default=CACHE_DIR, help=f"shared image cache (default: {CACHE_DIR})"
    )
    p.add_argument("--size", default=IMAGE_SIZE, help="IIIF size, as for ocr")
    p.add_argument("--max-pages", type=int, help="only the first N pages of each manifest")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_http_options(p)
    p.set_defaults(func=cmd_prefetch)

    p = sub.add_parser(
        "run-info",
        description="Record a run's provenance in RUN_DIR/metadata.json (what `make run` calls "
        "at its start and, with EXECUTOR=local, at its end).",
    )
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--start", action="store_true", help="set started_at to now")
    p.add_argument("--end", action="store_true", help="set finished_at to now, and the counts")
    p.add_argument("--model", help="the model the run uses (default: the demo model)")
    p.add_argument("--container", help="the image the tasks run in (containers/image-id), if any")
    p.add_argument(
        "--set",
        type=_meta_pair,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a make variable used for the run",
    )
    p.set_defaults(func=cmd_run_info)

    p = sub.add_parser("view", help="serve a run's report, derived IIIF, viewer and search")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--host", default=VIEW_HOST, help=f"address to listen on (default {VIEW_HOST})")
    p.add_argument("--port", type=int, default=VIEW_PORT, help=f"port (default {VIEW_PORT})")
    p.add_argument(
        "--cache-dir", type=Path, help="cache with the source manifests (default: the run's)"
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log every request")
    p.set_defaults(func=cmd_view)

    p = sub.add_parser(
        "evaluate", help="CER and WER of one or two runs against ground truth, side by side"
    )
    p.add_argument("run_dir", metavar="RUN_DIR", nargs="+", help="runs/NAME (two to compare)")
    p.add_argument("--truth", required=True, help="ground-truth folder (see README)")
    p.add_argument("--fold-case", action="store_true", help="compare case-insensitively")
    p.add_argument("--no-punctuation", action="store_true", help="ignore punctuation")
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
        "--run", type=Path, metavar="RUN_DIR", help="every finished JSONL of the run that changed"
    )
    p.add_argument(
        "--run-dir", type=Path, help="where the format folders go (default: the JSONL's run)"
    )
    p.add_argument(
        "--publish-url", help="where iiif/ is served (default: http://127.0.0.1:8183/iiif/)"
    )
    p.add_argument(
        "--cache-dir", type=Path, help="cache with the source manifests (default: the run's)"
    )
    p.add_argument("--force", action="store_true", help="with --run: export all, changed or not")
    p.set_defaults(func=cmd_export)
    return parser


def _add_submit_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_dir", metavar="RUN_DIR", help="runs/<RUN> with manifests.tsv")
    p.add_argument("--dry-run", action="store_true", help="print sbatch commands only")
    p.add_argument(
        "--skip-queued",
        action="store_true",
        help="leave out tasks still queued or running in earlier arrays (resubmission)",
    )
    slurm = p.add_argument_group("SLURM (each passed to sbatch only when given)")
    slurm.add_argument("--partition")
    slurm.add_argument("--cpus", type=int, help="--cpus-per-task")
    slurm.add_argument("--mem", help="memory per task, e.g. 8G")
    slurm.add_argument("--time", help="time limit per task, e.g. 04:00:00")
    slurm.add_argument("--gres", help="e.g. gpu:1")
    slurm.add_argument("--account")
    slurm.add_argument(
        "--throttle",
        type=int,
        default=ARRAY_THROTTLE,
        help=f"array tasks running at once (default {ARRAY_THROTTLE}; 0: no limit)",
    )
    slurm.add_argument("--job-name", help="default barnacle-<RUN>")
    slurm.add_argument(
        "--sbatch-extra", default="", metavar="'OPTIONS'", help="more sbatch options, one string"
    )
    slurm.add_argument("--max-array-size", type=int, help="default: the cluster's MaxArraySize")
    worker = p.add_argument_group("worker (barnacle ocr; unset: its defaults)")
    worker.add_argument("--barnacle", help="command to run (default: this venv's barnacle)")
    worker.add_argument("--model")
    worker.add_argument("--cache-dir", help=f"shared image cache (default: {CACHE_DIR})")
    worker.add_argument("--max-pages", type=int)
    worker.add_argument("--size")
    worker.add_argument("--device")
    worker.add_argument("--threads", type=int)
    worker.add_argument("--page-processes", type=int)
    worker.add_argument("--precision")
    worker.add_argument("--batch-size", type=int)
    worker.add_argument("--offline", action="store_true")
    worker.add_argument(
        "--container", help="image (podman/docker) or .sif (apptainer) to run the worker in"
    )
    worker.add_argument(
        "--container-runtime",
        default="none",
        type=_container_runtime,
        metavar="RUNTIME",
        help="how to run --container: apptainer, singularity, podman or docker "
        "(default none: the worker on the host)",
    )


def _container_runtime(text: str) -> str:
    """--container-runtime, checked against the runtimes slurm/ocr-array.sbatch knows."""
    from barnacle.job_arrays.container import CONTAINER_RUNTIMES

    if text not in CONTAINER_RUNTIMES:
        raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(CONTAINER_RUNTIMES)}")
    return text


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
    p.add_argument("--size", default=IMAGE_SIZE, help=f"IIIF size (default: {IMAGE_SIZE})")
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


def _exit_on_sigterm() -> None:
    """scancel and timeouts send SIGTERM: exit through `finally` blocks (lock released,
    output flushed) instead of dying where we stand."""
    import signal

    def handler(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _exit_on_sigterm()
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except OSError as err:  # disk full, permissions: one line that names the file
        from barnacle.oserrors import describe_os_error

        return _fail(describe_os_error(err), ExitCode.INVALID)


if __name__ == "__main__":
    sys.exit(main())
