"""What every subcommand shares: the one-line error, the HTTP options."""

from __future__ import annotations

import argparse
import sys
from typing import Protocol

from barnacle.defaults import ExitCode
from barnacle.display import printable
from barnacle.http_client import HttpSettings, get_session


def fail(message: str, code: int = ExitCode.USAGE) -> int:
    print(f"barnacle: error: {printable(message)}", file=sys.stderr)
    return code


def add_http_options(parser: argparse.ArgumentParser) -> None:
    """--contact, --min-interval and --retries, their help naming HttpSettings' defaults."""
    default = HttpSettings()
    group = parser.add_argument_group("HTTP")
    group.add_argument(
        "--contact", help="URL or email put in the User-Agent (env BARNACLE_CONTACT)"
    )
    group.add_argument(
        "--min-interval",
        type=float,
        metavar="S",
        help="seconds between requests to one host (env BARNACLE_MIN_INTERVAL; default "
        f"{default.min_interval:g})",
    )
    group.add_argument(
        "--retries",
        type=int,
        help=f"retries on 429/5xx, resets, timeouts, truncated bodies (default {default.retries})",
    )


def add_stage_options(p: argparse.ArgumentParser) -> None:
    """--stage and what the export stage needs (`barnacle run-task`, `barnacle submit-array`)."""
    from barnacle.tasks import STAGES

    stage = p.add_argument_group("what the task does (default: OCR)")
    stage.add_argument(
        "--stage",
        choices=STAGES,
        default="ocr",
        help="ocr: OCR the manifest into ocr/<sha1>.jsonl; export: `barnacle export` of its "
        "finished JSONL; prefetch: its manifest and page images into the cache",
    )
    stage.add_argument("--formats", default="", help="export: formats, e.g. 'alto,iiif'")
    stage.add_argument("--publish-url", help="export: where iiif/ is served")


def configure_http(args: argparse.Namespace) -> None:
    get_session(
        HttpSettings.from_env(
            contact=args.contact, min_interval=args.min_interval, retries=args.retries
        )
    )


def iiif_size(text: str) -> str:
    """argparse type of every --size: IIIF size syntax, checked before anything runs."""
    from barnacle.iiif import IIIFError, check_size

    try:
        return check_size(text)
    except IIIFError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


def slurm_memory(text: str) -> str:
    """argparse type of --mem: a SLURM size with its unit (barnacle.job_arrays.sbatch)."""
    from barnacle.job_arrays.sbatch import check_memory

    try:
        return check_memory(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


def meta_pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


class _Report(Protocol):
    def model_dump_json(self, *, indent: int | None = None) -> str: ...
    def lines(self) -> list[str]: ...


def print_report(report: _Report, as_json: bool) -> None:
    """A report on stdout: its JSON (--json), else its lines made printable."""
    if as_json:
        print(report.model_dump_json(indent=2))
    else:
        print("\n".join(printable(line) for line in report.lines()))
