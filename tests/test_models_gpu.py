"""The GPU path on the CPU: bench/bench_gpu.py in a tiny configuration (`--device cpu` runs
the same code: page processes sharing a device, --precision and --batch-size plumbed through
the worker), and the options' checks. No GPU is needed; on a GPU machine run the script with
--device cuda:0 (see bench/README.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.paths import REPO


def _barnacle(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "barnacle", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
    )


def test_bad_precision_and_batch_size_are_refused() -> None:
    done = _barnacle(
        "ocr", "http://127.0.0.1:9/m.json", "--out", "/nonexistent/o.jsonl", "--precision", "fp7"
    )
    assert done.returncode == 2 and "unknown --precision 'fp7'" in done.stderr
    assert "bf16-mixed" in done.stderr
    done = _barnacle(
        "ocr", "http://127.0.0.1:9/m.json", "--out", "/nonexistent/o.jsonl", "--batch-size", "0"
    )
    assert done.returncode == 2 and "argument --batch-size: must be 1 or more" in done.stderr


@pytest.mark.slow
def test_bench_gpu_runs_on_the_cpu(tmp_path: Path) -> None:
    out = tmp_path / "gpu.json"
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "bench_gpu.py"),
            "--device",
            "cpu",
            "--procs",
            "2",
            "--pages",
            "2",
            "--pages-per-process",
            "1",
            "--tiny",
            "--cpu-workers",
            "1",
            "--batch-size",
            "4",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "outputs equal to the CPU run (same lines, CER <= 0.01): yes" in done.stdout
    figures = json.loads(out.read_text())
    assert [(f["name"], f["processes"], f["pages"]) for f in figures] == [
        ("cpu", 1, 2),
        ("cpux2", 2, 2),
    ]
    assert all(f["pages_per_hour"] > 0 and f["cer_vs_cpu"] == 0 for f in figures)
    assert figures[0]["steady_pages_per_hour"] > 0  # the 2nd page of 1 process: start-up left out
    header = done.stdout.splitlines()[1]
    assert "steady/h" in header and done.stdout.index("cpux2") > done.stdout.index(header)
    assert figures[1]["gpu_util_mean"] is None  # no GPU sampled on the CPU
