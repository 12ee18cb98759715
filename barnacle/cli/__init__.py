"""`barnacle ...`: argument parsing and one call into the package per subcommand.

Each `*_commands.py` module adds its subcommands to the parser and holds their functions.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from barnacle import __version__
from barnacle.cli import (
    ocr_commands,
    output_commands,
    quality_commands,
    run_commands,
    sizing_commands,
    source_commands,
)
from barnacle.cli.common import fail
from barnacle.defaults import ExitCode


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="barnacle", description="IIIF collections to machine-readable text with Kraken OCR."
    )
    parser.add_argument("--version", action="version", version=f"barnacle {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    modules = (source_commands, ocr_commands, run_commands, output_commands, sizing_commands)
    for module in (*modules, quality_commands):
        module.add_commands(sub)
    return parser


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
        return fail("interrupted", 130)
    except OSError as err:  # disk full, permissions: one line that names the file
        from barnacle.oserrors import describe_os_error

        return fail(describe_os_error(err), ExitCode.INVALID)


if __name__ == "__main__":
    sys.exit(main())
