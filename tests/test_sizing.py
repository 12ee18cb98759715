"""`make plan` / `barnacle plan`: pages counted from the manifests of a synthetic collection
served on 127.0.0.1 (tiny books of known page counts), and every figure of the plan equal to
the one computed here from the per-page figures."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

from barnacle.defaults import ExitCode
from barnacle.sample.serve import serve_sample
from barnacle.sizing import built_in_figures

from support.cli import barnacle
from support.manifest_tables import write_manifest_table
from support.paths import REPO
from support.tiny_books import write_books

BOOK_PAGES = [3, 1, 5]


def _plan(run: Path, cache: Path, *options: str) -> dict[str, object]:
    done = barnacle("plan", str(run), "--cache-dir", str(cache), "--json", *options)
    assert done.returncode == ExitCode.OK, done.stderr
    plan: dict[str, object] = json.loads(done.stdout)
    return plan


def test_plan_counts_pages_and_computes_each_figure(tmp_path: Path) -> None:
    books = write_books(tmp_path / "books", BOOK_PAGES)
    run, cache = tmp_path / "runs" / "sized", tmp_path / "cache"
    with serve_sample(tmp_path / "books") as base:
        urls = [base + book.manifest_path() for book in books]
        write_manifest_table(run, [*urls, f"{base}/manifests/missing.json"])
        options = ("--cpus", "2", "--throttle", "2", "--max-pages", "4", "--formats", "alto,text")
        plan = _plan(run, cache, *options)
    f = built_in_figures()
    per_task = [3, 1, 4]  # MAX_PAGES=4 cuts the 5-page book
    cpu_s = f.cpu_s_per_page.value
    seconds = [f.task_start_s.value + n * cpu_s / 2 for n in per_task]
    mem_gb = math.ceil((f.worker_gib.value + 2 * f.page_process_gib.value) * 2**30 * 1.25 / 1e9)
    assert plan["manifests"] == 4 and plan["manifests_unreadable"] == 1
    assert plan["pages"] == 8 and plan["largest_manifest_pages"] == 4
    assert plan["tasks_at_once"] == 2
    assert math.isclose(plan["ocr_cpu_hours"], 8 * cpu_s / 3600)
    assert math.isclose(plan["allocated_cpu_hours"], sum(seconds) * 2 / 3600)
    assert math.isclose(plan["wall_hours"], sum(seconds) / 2 / 3600)
    assert plan["mem"] == f"{mem_gb}G" == "5G"
    assert plan["time"] == "00:15:00"  # twice the largest task (70 s), rounded up to 15 min
    assert plan["disk_bytes"] == {
        "image cache": round(8 * f.image_bytes_per_page.value),
        "records": round(8 * f.record_bytes_per_page.value),
        "export alto": round(8 * f.export_bytes_per_page["alto"].value),
        "export text": round(8 * f.export_bytes_per_page["text"].value),
    }
    assert any("could not be read" in note for note in plan["notes"])
    # The counts are kept: with the server gone, the plan is the same.
    assert (run / "page-counts.tsv").is_file()
    again = _plan(run, cache, *options)
    assert again["pages"] == 8 and again["disk_bytes"] == plan["disk_bytes"]


def test_plan_takes_figures_from_a_file_and_sizes_time_by_the_largest_task(
    tmp_path: Path,
) -> None:
    books = write_books(tmp_path / "books", [400, 2])
    run, cache = tmp_path / "run", tmp_path / "cache"
    figures = tmp_path / "figures.json"
    mine = built_in_figures().cpu_s_per_page.model_copy(update={"value": 30.0})
    figures.write_text(json.dumps({"cpu_s_per_page": mine.model_dump()}))
    with serve_sample(tmp_path / "books") as base:
        write_manifest_table(run, [base + book.manifest_path() for book in books])
        plan = _plan(run, cache, "--cpus", "4", "--throttle", "0", "--figures", str(figures))
    start = built_in_figures().task_start_s.value
    assert plan["pages"] == 402 and plan["tasks_at_once"] == 2
    assert math.isclose(plan["ocr_cpu_hours"], 402 * 30 / 3600)
    # the largest task: 6 s + 400 pages x 30 s / 4 CPUs = 3,006 s; twice that is 6,012 s,
    # rounded up to 15 minutes: 1:45
    assert 2 * (start + 400 * 30 / 4) == 6012
    assert plan["time"] == "01:45:00"
    assert math.isclose(plan["wall_hours"], (start + 400 * 30 / 4) / 3600)


def test_plan_refuses_bad_figures_and_formats(tmp_path: Path) -> None:
    write_manifest_table(tmp_path / "run", [])
    bad = tmp_path / "figures.json"
    bad.write_text("{not json")
    done = barnacle("plan", str(tmp_path / "run"), "--figures", str(bad))
    assert done.returncode == ExitCode.USAGE and "bench_worker.py --figures-out" in done.stderr
    done = barnacle("plan", str(tmp_path / "run"), "--formats", "alto,pdf")
    assert done.returncode == ExitCode.USAGE and "pdf" in done.stderr
    done = barnacle("plan", str(tmp_path / "nothing"))
    assert done.returncode == ExitCode.USAGE and "make list-manifests" in done.stderr


def test_make_plan_lists_the_collection_and_prints_the_plan(tmp_path: Path) -> None:
    books = write_books(tmp_path / "books", BOOK_PAGES)
    with serve_sample(tmp_path / "books") as base:
        listing = tmp_path / "list.txt"
        listing.write_text("".join(base + book.manifest_path() + "\n" for book in books))
        done = subprocess.run(
            ["make", "--no-print-directory", "-o", ".venv/.barnacle-installed", "plan"]
            + [f"COLLECTION={listing}", "RUN=sized", f"RUNS_DIR={tmp_path / 'runs'}"]
            + [f"CACHE_DIR={tmp_path / 'cache'}", "CPUS=4", "THROTTLE=10"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    assert "pages 9 (largest manifest 5 pages)" in done.stdout
    assert "MEM=10G" in done.stdout and "TIME=00:15:00" in done.stdout
    assert "re-measure:" in done.stdout
