"""Every file Barnacle writes gets the mode a plain open() gives under the caller's umask
(0644 under 022, 0664 under 002), folders the mode mkdir gives: a web server, Solr or a
colleague can read a run. Each output kind is written in a subprocess under each umask."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from support.paths import REPO

WRITER = REPO / "tests" / "support" / "write_every_output.py"
KINDS = [
    "runs/r/collection.json",
    "runs/r/manifests.tsv",
    "runs/r/outputs.mk",
    "runs/r/metadata.json",
    "runs/r/summary.json",
    "runs/r/failed-manifests.txt",
    "runs/r/progress.png",
    "runs/r/search.sqlite",
    "runs/r/ocr/*.jsonl",
    "runs/r/ocr/*.jsonl.part",
    "runs/r/ocr/*.errors.jsonl",
    "runs/r/ocr/*.stats.json",
    "runs/r/alto/*/0000.xml",
    "runs/r/page/*/0000.xml",
    "runs/r/hocr/*.html",
    "runs/r/text/*.txt",
    "runs/r/iiif/*/manifest.json",
    "runs/r/iiif/*/annotations/0000.json",
    "cache/*/*.img",
    "cache/*/*.manifest.json",
    "cache/segmentations/*/*.json",
    "cache/models/.record.*.tmp/weights.safetensors",
]


@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_every_output_kind_gets_the_umask_mode(umask: int, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, str(WRITER), str(out)],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        preexec_fn=lambda: os.umask(umask),  # noqa: PLW1509 - the child's umask, nothing else
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for kind in KINDS:
        assert list(out.glob(kind)), f"{kind} not written"
    wrong = {
        str(path.relative_to(out)): oct(stat.S_IMODE(path.stat().st_mode))
        for path in out.rglob("*")
        if stat.S_IMODE(path.stat().st_mode) != (0o777 if path.is_dir() else 0o666) & ~umask
    }
    assert wrong == {}, f"umask {umask:03o}"
