"""The OCR outputs of a run as make targets: runs/<RUN>/outputs.mk, read from manifests.tsv.

make reads its makefiles before it builds anything, so the make that lists a collection's
manifests cannot also know their outputs. `make run` therefore writes the list, taken from the
`sha1` column of manifests.tsv, into runs/<RUN>/outputs.mk, and a second make
(`make ocr-outputs`) includes it and builds each missing runs/<RUN>/ocr/<sha1>.jsonl with
`barnacle run-task RUN_DIR SHA1` (under EXECUTOR=slurm it only lists the sha1 in
runs/<RUN>/slurm/due.txt, which `barnacle submit-array --due` submits). Once that make is
done, `finished` says whether every output exists, which is what `make run` exits with.

    python -m barnacle.run.make_targets outputs RUN_DIR    # write RUN_DIR/outputs.mk
    python -m barnacle.run.make_targets finished RUN_DIR   # exit 0 when every output exists
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from barnacle.atomic import atomic_write_text
from barnacle.defaults import ExitCode
from barnacle.hashing import is_sha1
from barnacle.run_folder import RunFolder


def manifest_sha1s(run_dir: Path) -> list[str]:
    """The `sha1` column of runs/<RUN>/manifests.tsv, in its order; each must be 40 hex
    digits, since it becomes a make target."""
    run = RunFolder(run_dir)
    sha1s = [row.get("sha1", "") for row in run.read_manifests()]
    for line, sha1 in enumerate(sha1s, start=2):
        if not is_sha1(sha1):
            raise ValueError(
                f"{run.manifests_tsv} line {line}: sha1 {sha1!r} is not 40 hex digits: "
                "rewrite the file with make list-manifests"
            )
    return sha1s


def outputs_makefile(run_dir: Path, sha1s: list[str]) -> str:
    """The text of outputs.mk: MANIFEST_SHA1S, one manifest a line."""
    lines = [
        f"# Written by barnacle.run.make_targets from {RunFolder(run_dir).manifests_tsv}.",
        "MANIFEST_SHA1S := \\",
        *(f"  {sha1} \\" for sha1 in sha1s),
        "",
    ]
    return "\n".join(lines) + "\n"


def write_outputs_makefile(run_dir: Path) -> Path:
    path = RunFolder(run_dir).outputs_mk
    atomic_write_text(path, outputs_makefile(run_dir, manifest_sha1s(run_dir)))
    return path


def unfinished(run_dir: Path, sha1s: list[str] | None = None) -> list[str]:
    """The manifests of the run (or of `sha1s`, already read from manifests.tsv) whose
    ocr/<sha1>.jsonl does not exist."""
    run = RunFolder(run_dir)
    listed = manifest_sha1s(run_dir) if sha1s is None else sha1s
    return [sha1 for sha1 in listed if not run.output(sha1).exists()]


def _finished(run_dir: Path) -> int:
    sha1s = manifest_sha1s(run_dir)
    missing = unfinished(run_dir, sha1s)
    if not missing:
        return ExitCode.OK
    total = len(sha1s)
    print(
        f"{run_dir}: {len(missing)} of {total} manifests not finished: make status RUN="
        f"{run_dir.name} counts them, make failed RUN={run_dir.name} lists the errors; "
        "rerun make run to resume",
        file=sys.stderr,
    )
    return ExitCode.PAGE_ERRORS


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m barnacle.run.make_targets",
        description="The OCR outputs of a run as make targets (make run calls this).",
    )
    parser.add_argument("action", choices=["outputs", "finished"])
    parser.add_argument("run_dir", metavar="RUN_DIR", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.action == "outputs":
            write_outputs_makefile(args.run_dir)
            return ExitCode.OK
        return _finished(args.run_dir)
    except FileNotFoundError as err:
        print(f"make_targets: {err}", file=sys.stderr)
        return ExitCode.USAGE
    except ValueError as err:
        print(f"make_targets: {err}", file=sys.stderr)
        return ExitCode.INVALID


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
