"""Subcommands over a run folder: submit-array, status, summary, run-info (for make)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from barnacle import __version__
from barnacle.atomic import atomic_write_text
from barnacle.cli.common import add_stage_options, fail, meta_pair, slurm_memory
from barnacle.defaults import ARRAY_THROTTLE, ExitCode


def cmd_submit_array(args: argparse.Namespace) -> int:
    """A run's due tasks -> SLURM job arrays of `barnacle run-task` (barnacle.job_arrays)."""
    import shlex

    from barnacle.job_arrays import SbatchOptions, SlurmError, TaskCommand, submit
    from barnacle.job_arrays.sbatch import local_path
    from barnacle.job_arrays.targets import read_due
    from barnacle.run_folder.settings import SettingsError

    if args.throttle < 0:
        return fail("--throttle must be 0 or more")
    given = vars(args)  # options named as their field pass through as given
    options = SbatchOptions(
        cpus_per_task=args.cpus,
        throttle=args.throttle or None,
        extra=shlex.split(args.sbatch_extra),
        **{name: given[name] for name in "partition mem time gres account job_name".split()},
    )
    task = TaskCommand(
        barnacle=local_path(args.barnacle),
        stage=args.stage,
        formats=",".join(args.formats.replace(",", " ").split()) or None,
        publish_url=args.publish_url,
    )
    run_dir = Path(args.run_dir)
    try:
        result = submit(
            run_dir,
            options,
            task,
            due=read_due(Path(args.due)) if args.due else None,
            skip_queued=args.skip_queued,
            dry_run=args.dry_run,
            max_array=args.max_array_size,
        )
    except (SlurmError, FileNotFoundError, ValueError, SettingsError) as err:
        return fail(str(err), ExitCode.INVALID)
    print("\n".join(result.lines(run_dir, args.dry_run)))
    return ExitCode.OK


def cmd_status(args: argparse.Namespace) -> int:
    from barnacle.run.status import run_status

    try:
        status = run_status(Path(args.run_dir), _busy(Path(args.run_dir)))
    except FileNotFoundError as err:
        return fail(str(err))
    print("\n".join(status.lines()))
    from barnacle.models.confidence import low_confidence_lines, low_confidence_manifests

    for line in low_confidence_lines(low_confidence_manifests(Path(args.run_dir))):
        print(line)
    return ExitCode.OK


def cmd_summary(args: argparse.Namespace) -> int:
    from barnacle.run.chart import draw_progress_chart
    from barnacle.run.status import run_status
    from barnacle.run.summary import summarize, summary_lines, timeline
    from barnacle.run_folder import RunFolder
    from barnacle.run_folder.metadata import record_run

    run_dir = Path(args.run_dir)
    run = RunFolder(run_dir)
    try:
        summary = summarize(run_dir, run_status(run_dir, _busy(run_dir)))
    except FileNotFoundError as err:
        return fail(str(err))
    from barnacle.models.confidence import low_confidence_lines, low_confidence_manifests

    summary["low_confidence_manifests"] = low_confidence_manifests(run_dir)
    atomic_write_text(run.summary_json, json.dumps(summary, indent=2) + "\n")
    record_run(run_dir, summary)  # metadata.json: end time, counts (SLURM runs too)
    failed = run.failed_manifests_txt
    atomic_write_text(
        failed, "".join(f["manifest_url"] + "\n" for f in summary["failed_manifests"])
    )
    print(
        "\n".join(
            summary_lines(summary) + low_confidence_lines(summary["low_confidence_manifests"])
        )
    )
    print(f"  written: {run.summary_json}, {failed}", end="")
    if not args.no_chart:
        chart = draw_progress_chart(timeline(run_dir), run.progress_png, f"run {run_dir.name}")
        print(f", {chart}", end="")
    print()
    return ExitCode.OK


def cmd_run_info(args: argparse.Namespace) -> int:
    """Record a run's provenance in metadata.json and, at its start, its settings.json (make
    run calls this)."""
    from datetime import UTC, datetime

    from barnacle.run.status import run_status
    from barnacle.run_folder.metadata import update_metadata

    run_dir = Path(args.run_dir)
    if args.settings:
        return _first_settings(run_dir, dict(args.set))
    now = datetime.now(UTC).isoformat()
    fields: dict[str, object] = {"run": run_dir.name}
    if args.start:
        started = _start(run_dir, args, now)
        if isinstance(started, str):
            return fail(started)
        fields.update(started)
    if args.end:
        fields["finished_at"] = now
        try:
            fields["counts"] = dict(run_status(run_dir).counts)
        except FileNotFoundError:
            pass
    update_metadata(run_dir, **fields)
    if args.end and "counts" in fields:
        from barnacle.run.summary import summarize
        from barnacle.run_folder.metadata import record_run

        record_run(run_dir, summarize(run_dir))
    return ExitCode.OK


def _start(run_dir: Path, args: argparse.Namespace, now: str) -> dict[str, object] | str:
    """A run's start: its settings checked (against the run's own when it has outputs) and
    written to settings.json; the provenance fields of metadata.json; or the refusal."""
    from barnacle.hashing import file_sha256
    from barnacle.model_files.resolve import ModelNotFound, model_doi, resolve_model
    from barnacle.models.demo_guard import demo_model_refusal
    from barnacle.ocr.identity import kraken_version
    from barnacle.records.provenance import container_id, git_commit
    from barnacle.run.setting_values import run_settings, setting_problem
    from barnacle.run.settings_guard import collection_conflict, plan_conflict
    from barnacle.run_folder import RunFolder
    from barnacle.run_folder.metadata import read_metadata
    from barnacle.run_folder.settings import write_settings

    model = args.model or dict(args.set).get("MODEL") or None
    try:
        ref, path = resolve_model(model)
    except ModelNotFound as err:
        return str(err)
    sha256 = file_sha256(path)
    settings = setting_problem(dict(args.set)) or run_settings(dict(args.set))
    if isinstance(settings, str):
        return settings
    source = dict(args.set).get("COLLECTION")
    refusal = (
        collection_conflict(run_dir, source)
        or plan_conflict(run_dir, read_metadata(run_dir), sha256, ref, settings.size)
        or demo_model_refusal(ref, source)
    )
    if refusal:
        return refusal
    write_settings(RunFolder(run_dir).settings_json, settings)
    fields: dict[str, object] = {
        "started_at": read_metadata(run_dir).get("started_at") or now,
        "resumed_at": now,
        "git_commit": git_commit(),
        "container": args.image_id or container_id(),
        "barnacle_version": __version__,
        "engine": "kraken",
        "engine_version": kraken_version(),
        "model": {
            "ref": ref,
            "resolved": str(path),
            "sha256": sha256,
            "doi": model_doi(model),
        },
        "size": settings.size,
        "make_variables": dict(args.set) or None,
    }
    if source:
        fields["source"] = source
    return fields


def _first_settings(run_dir: Path, values: dict[str, str]) -> int:
    """settings.json from make's variables when the run has none yet (make prefetch-slurm,
    before make run); a run's own settings are kept."""
    from barnacle.run.setting_values import run_settings, setting_problem
    from barnacle.run_folder import RunFolder
    from barnacle.run_folder.settings import write_settings

    path = RunFolder(run_dir).settings_json
    if path.exists():
        print(f"{path}: the run's settings, kept")
        return ExitCode.OK
    settings = setting_problem(values) or run_settings(values)
    if isinstance(settings, str):
        return fail(settings)
    write_settings(path, settings)
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
    slurm.add_argument("--mem", type=slurm_memory, help="memory per task with its unit, e.g. 8G")
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
    add_stage_options(p)
    p.add_argument(
        "--due",
        metavar="FILE",
        help="only the manifests whose sha1 is listed in FILE, one a line (what make found "
        "missing; default: every manifest without output)",
    )
    p.add_argument("--barnacle", help="command each task runs (default: this venv's barnacle)")


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "submit-array",
        help="submit a run's manifests without output to SLURM as job arrays of "
        "`barnacle run-task`",
        description="Submit the manifests of RUN_DIR without output (--due: those make found "
        "missing) to SLURM as job arrays of `barnacle run-task RUN_DIR SHA1`, which reads the "
        "run's settings.json (written by `make run`). Each array task runs "
        "slurm/ocr-array.sbatch on one line (a sha1) of a task list written to "
        "RUN_DIR/slurm/tasks-<stamp>.txt; logs go to RUN_DIR/logs/%A_%a.out; job ids are "
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

    p = sub.add_parser(
        "summary",
        aliases=["summarize"],  # its name before it took make's
        help="summary.json, a table and a progress chart of a run (make summary)",
    )
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--no-chart", action="store_true", help="skip the PNG chart")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser(
        "run-info",
        description="Record a run's provenance in RUN_DIR/metadata.json (what `make run` calls "
        "at its start and, with EXECUTOR=local, at its end).",
    )
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--start", action="store_true", help="set started_at to now")
    p.add_argument("--end", action="store_true", help="set finished_at to now, and the counts")
    p.add_argument(
        "--settings",
        action="store_true",
        help="only write settings.json from the --set values, when the run has none yet",
    )
    p.add_argument(
        "--model", help="the model the run uses (default: --set MODEL=..., else the demo model)"
    )
    p.add_argument("--image-id", help="the image the tasks run in (containers/image-id), if any")
    p.add_argument(
        "--set",
        type=meta_pair,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a make variable used for the run",
    )
    p.set_defaults(func=cmd_run_info)
