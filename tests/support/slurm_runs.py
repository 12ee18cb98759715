"""Runs for the SLURM tests: a run folder made by the stage scripts (with its settings.json, as
make run writes it), the stage scripts run from the repository, and a stand-in `barnacle` that
array tasks run instead of the OCR."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from barnacle.run_folder.settings import RunSettings, write_settings

from support.paths import REPO

SBATCH = REPO / "slurm" / "ocr-array.sbatch"
LOCAL_CLUSTER = REPO / "slurm" / "local-cluster"


def run_script(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def write_stand_in(path: Path) -> Path:
    """A fake `barnacle`: `run-task ... -- RUN_DIR SHA1` records its arguments and the run's
    settings, sleeps, writes RUN_DIR/ocr/SHA1.jsonl (stage ocr), exits as told."""
    path.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys, time\n"
        "args = sys.argv[1:]\n"
        "print('stand-in args:', json.dumps(args))\n"
        "run_dir, sha1 = args[-2], args[-1]\n"
        "print('stand-in settings:', open(os.path.join(run_dir, 'settings.json')).read())\n"
        "time.sleep(float(os.environ.get('STAND_IN_SLEEP', '0')))\n"
        "code = int(os.environ.get('STAND_IN_EXIT', '0'))\n"
        "out = os.path.join(run_dir, 'ocr', sha1 + '.jsonl')\n"
        "if code == 0 and not any(a.startswith('--stage=') for a in args):\n"
        "    with open(out, 'w') as f:\n"
        "        f.write(json.dumps({'args': args}) + '\\n')\n"
        "sys.exit(code)\n"
    )
    path.chmod(0o755)
    return path


def make_run(
    tmp_path: Path,
    source: Path,
    name: str,
    lines: int | None = None,
    settings: RunSettings | None = None,
) -> Path:
    """runs/<name>/manifests.tsv from a list (the first `lines` lines) via the stage scripts,
    and its settings.json (as make run writes it)."""
    if lines is not None:
        head = tmp_path / f"{name}{source.suffix}"
        head.write_text("".join(source.read_text().splitlines(keepends=True)[:lines]))
        source = head
    run_dir = tmp_path / "runs" / name
    done = run_script(
        "scripts/fetch-collection", str(source), str(run_dir / "collection.json"), "--no-progress"
    )
    assert done.returncode == 0, done.stderr
    done = run_script("scripts/list-manifests", str(run_dir / "collection.json"))
    assert done.returncode == 0, done.stderr
    write_settings(run_dir / "settings.json", settings or RunSettings())
    return run_dir


# ---------------------------------------------------------------- planning and command lines
