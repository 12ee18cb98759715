"""Make-driven runs on the bundled sample collection: `make run` locally and as real SLURM
arrays on the local one-node cluster, resubmission after scancel, status and summary."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from barnacle.iiif import ImageRequest
from barnacle.images import ImageCache, size_page_request
from barnacle.run_folder import RunFolder, read_record_lines
from barnacle.sample.serve import serve_sample
from barnacle.worker.manifest_source import load_manifest

from support.make_runs import make, run_records, wait_idle
from support.paths import LAPIDUS, REPO, SAMPLE_BOOK_PAGES, SAMPLE_BOOKS
from support.scripted_server import ScriptedServer
from support.small_book import serve_book


@pytest.fixture(scope="module")
def sample_url() -> Iterator[str]:
    with serve_sample(REPO / "data" / "sample") as base:
        yield f"{base}/collection.json"


def _some_part_has_a_page(run_dir: Path) -> bool:
    for path in (run_dir / "ocr").glob("*.part"):
        try:
            if path.read_text().count("\n") >= 1:
                return True
        except FileNotFoundError:  # renamed to .jsonl just now
            continue
    return False


def test_lapidus_dry_run_chunks_and_throttles(tmp_path: Path) -> None:
    # no cluster: MaxArraySize 1001 assumed; submit-array starts the run (its settings.json)
    env = {"SLURM_CONF": "/nonexistent/slurm.conf", "ALLOW_DEMO_MODEL": "1"}
    source = LAPIDUS / "manifests.txt"
    out = make(
        "submit-array",
        f"RUNS_DIR={tmp_path}",
        "RUN=lapidus",
        f"COLLECTION={source}",
        "DRY_RUN=1",
        "THROTTLE=50",
        "CPUS=2",
        "MEM=8G",
        env=env,
    )
    commands = [line for line in out.splitlines() if " sbatch " in f" {line}"]
    assert len(commands) == 3
    for spec in ("--array=1-1000%50", "--array=1-853%50"):
        assert any(spec in line for line in commands), out
    assert all("--cpus-per-task=2" in line and "--mem=8G" in line for line in commands)
    assert json.loads((tmp_path / "lapidus" / "settings.json").read_text())["threads"] == 1
    assert not (tmp_path / "lapidus" / "ocr").exists() or not any(
        (tmp_path / "lapidus" / "ocr").iterdir()
    )


@pytest.mark.slow
def test_run_slurm_then_local_same_pages(
    cluster: dict[str, str], sample_url: str, tmp_path: Path
) -> None:
    common = [
        f"RUNS_DIR={tmp_path}",
        f"COLLECTION={sample_url}",
        "MAX_PAGES=1",
        f"CACHE_DIR={tmp_path / 'cache'}",
    ]
    make("run", "RUN=slurm", "EXECUTOR=slurm", "CPUS=1", "THROTTLE=2", *common, env=cluster)
    wait_idle(cluster)
    slurm_dir = tmp_path / "slurm"
    records = run_records(slurm_dir)
    assert len(records) == SAMPLE_BOOKS and all(len(pages) == 1 for pages in records.values())
    first = next(iter(records.values()))[0]
    assert first["slurm"]["array_job_id"] and first["slurm"]["array_task_id"]
    metadata = json.loads((slurm_dir / "metadata.json").read_text())
    assert metadata["slurm_jobs"] and metadata["model"]["sha256"] == first["model"]["sha256"]
    assert metadata["make_variables"]["EXECUTOR"] == "slurm" and metadata["started_at"]
    assert f"{SAMPLE_BOOKS}  complete" in make("status", "RUN=slurm", *common, env=cluster)
    make("summary", "RUN=slurm", *common, env=cluster)
    summary = json.loads((slurm_dir / "summary.json").read_text())
    assert summary["manifests"]["complete"] == summary["pages"]["done"] == SAMPLE_BOOKS
    assert summary["pages"]["empty_text"] == sum(
        1 for pages in records.values() for page in pages if not page["text"]
    )
    assert (slurm_dir / "progress.png").stat().st_size > 1000
    # make summary brought metadata.json up to date: no process saw the SLURM run end.
    metadata = json.loads((slurm_dir / "metadata.json").read_text())
    assert metadata["state"] == "finished" and metadata["end_time"] == summary["last_page_at"]
    assert metadata["manifest_count"] == metadata["total_pages"] == SAMPLE_BOOKS
    assert metadata["slurm_job_id"] == metadata["slurm_jobs"][0]["job_id"]
    assert metadata["elapsed_hours"] > 0 and metadata["model"]["path"]
    # The same collection built here with make -j2: the same pages and the same text.
    make("run", "RUN=local", "EXECUTOR=local", "JOBS=2", *common)
    local = run_records(tmp_path / "local")
    assert local.keys() == records.keys()
    for name, pages in records.items():
        assert [(p["page_key"], p["text"]) for p in pages] == [
            (p["page_key"], p["text"]) for p in local[name]
        ]
    # Rerunning does nothing: every target exists.
    assert "run-task" not in make("run", "RUN=local", "EXECUTOR=local", *common)


@pytest.mark.slow
def test_scancel_then_resubmit_failed_completes_each_page_once(
    cluster: dict[str, str], sample_url: str, tmp_path: Path
) -> None:
    common = [
        f"RUNS_DIR={tmp_path}",
        "RUN=cancel",
        f"COLLECTION={sample_url}",
        "MAX_PAGES=2",
        f"CACHE_DIR={tmp_path / 'cache'}",
        "EXECUTOR=slurm",
        "CPUS=1",
        "PAGE_PROCESSES=1",
        "THROTTLE=1",
    ]
    make("run", *common, env=cluster)
    run_dir = tmp_path / "cancel"
    deadline = time.monotonic() + 300
    while not _some_part_has_a_page(run_dir):
        assert time.monotonic() < deadline, "no page finished"
        time.sleep(0.1)
    running = subprocess.run(
        ["squeue", "-h", "-r", "-t", "RUNNING", "-o", "%i"],
        env={**os.environ, **cluster},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert running, "a task should be running"
    subprocess.run(["scancel", running[0]], env={**os.environ, **cluster}, check=True)
    wait_idle(cluster)
    status = make("status", *common, env=cluster)
    assert f"{SAMPLE_BOOKS}  complete" not in status
    # Nothing queued now: resubmit only what is missing; twice in a row submits once.
    first = make("resubmit-failed", *common, env=cluster)
    second = make("resubmit-failed", *common, env=cluster)
    assert "nothing to submit" in second, second
    assert "nothing to submit" not in first
    wait_idle(cluster)
    records = run_records(run_dir)
    assert len(records) == SAMPLE_BOOKS
    pages_each = sorted(min(2, pages) for pages in SAMPLE_BOOK_PAGES)  # MAX_PAGES=2
    keys = [[page["page_key"] for page in pages] for pages in records.values()]
    assert sorted(len(set(book)) for book in keys) == pages_each
    assert all(len(book) == len(set(book)) for book in keys)  # each page once
    assert f"{SAMPLE_BOOKS}  complete" in make("status", *common, env=cluster)
    outputs = RunFolder(run_dir).finished_outputs()
    figures = sum(len(read_record_lines(path).records) for path in outputs)
    assert figures == sum(pages_each)


def test_prefetch_fills_the_cache_for_offline_runs(server: ScriptedServer, tmp_path: Path) -> None:
    urls = [serve_book(server, "a", 2), serve_book(server, "b", 1)]
    listing = tmp_path / "list.txt"
    listing.write_text("\n".join(urls) + "\n")
    make("list-manifests", f"RUNS_DIR={tmp_path}", "RUN=p", f"COLLECTION={listing}")
    cache = tmp_path / "cache"
    first = make(
        "prefetch", "EXECUTOR=local", f"RUNS_DIR={tmp_path}", "RUN=p", f"CACHE_DIR={cache}"
    )
    assert "3 images downloaded" in first and "2 manifests" in first
    again = make(
        "prefetch", "EXECUTOR=local", f"RUNS_DIR={tmp_path}", "RUN=p", f"CACHE_DIR={cache}"
    )
    assert "3 images already cached" in again
    assert sum(1 for path, _ in server.log if path.endswith(".jpg")) == 3
    offline = ImageCache(cache, offline=True)
    pages = load_manifest(urls[0], offline).pages
    sized = size_page_request(pages[1], ImageRequest(), offline)
    assert sized is not None and offline.get(sized.url) is not None
