"""Export and prefetch as SLURM job arrays (`make export-slurm`, `make prefetch-slurm`): which
manifests each submits, and a real local cluster running both over a tiny collection."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from barnacle.cache_upkeep.run_images import planned_image_urls
from barnacle.defaults import IMAGE_SIZE
from barnacle.export.synthetic import synthetic_record
from barnacle.images import ImageCache
from barnacle.job_arrays import select_targets
from barnacle.run_folder import RunFolder
from barnacle.run_folder.settings import RunSettings, write_settings
from barnacle.sample.serve import serve_sample

from support.make_runs import wait_idle
from support.manifest_tables import write_manifest_table
from support.paths import REPO
from support.tiny_books import write_books


def _finish(run: Path, row: dict[str, str], pages: int) -> Path:
    """A finished ocr/<sha1>.jsonl of `pages` synthetic records."""
    url = row["manifest_url"]
    out = run / "ocr" / f"{row['sha1']}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    records = [synthetic_record(url, f"{url}/canvas/{i}", i, lines=3) for i in range(pages)]
    out.write_text("".join(record.model_dump_json() + "\n" for record in records))
    return out


def test_export_tasks_are_the_finished_manifests_with_an_export_due(tmp_path: Path) -> None:
    run = tmp_path / "run"
    write_manifest_table(run, [f"https://example.org/m{i}/manifest.json" for i in range(3)])
    rows = RunFolder(run).read_manifests()
    exported, due = _finish(run, rows[0], 1), _finish(run, rows[1], 1)  # rows[2] unfinished
    text = run / "text" / f"{rows[0]['sha1']}.txt"
    text.parent.mkdir()
    text.write_text("x")
    targets, done, queued = select_targets(rows, run, set(), ["text"])
    assert [t.output for t in targets] == [due.resolve()] and (done, queued) == (1, 0)
    # a JSONL newer than its export makes it due again; alto was never exported
    os.utime(exported, (time.time() + 5, time.time() + 5))
    targets, done, _ = select_targets(rows, run, set(), ["text"])
    assert len(targets) == 2 and done == 0
    targets, _, _ = select_targets(rows, run, {due.resolve()}, ["alto"])
    assert [t.output for t in targets] == [exported.resolve()]
    with pytest.raises(ValueError, match="unknown export format 'pdf'"):
        select_targets(rows, run, set(), ["pdf"])
    # prefetch and OCR: the manifests without output
    targets, done, _ = select_targets(rows, run, set())
    assert [t.url for t in targets] == [rows[2]["manifest_url"]] and done == 2


def _barnacle(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "barnacle", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


def _submit_and_wait(env: dict[str, str], run: Path, *options: str) -> list[str]:
    """Submit the run's arrays, wait until squeue lists none of them; the job ids."""
    done = _barnacle(env, "submit-array", str(run), "--skip-queued", "--throttle", "2", *options)
    assert done.returncode == 0, done.stdout + done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("submitted "))
    ids = line.split("job ids ", 1)[1].split(" (", 1)[0].split()
    wait_idle(env, timeout=240, jobs=ids)
    return ids


def _task_logs(run: Path, ids: list[str]) -> list[str]:
    logs = [log for log in (run / "logs").glob("*.out") if log.name.split("_")[0] in ids]
    return [log.read_text() for log in logs]


@pytest.mark.slow
def test_prefetch_and_export_run_as_arrays_on_a_local_cluster(
    tmp_path: Path, cluster: dict[str, str]
) -> None:
    books = write_books(tmp_path / "books", [2, 1])
    run, cache = tmp_path / "runs" / "staged", tmp_path / "cache"
    with serve_sample(tmp_path / "books") as base:
        write_manifest_table(run, [base + book.manifest_path() for book in books])
        write_settings(run / "settings.json", RunSettings(cache_dir=cache))
        ids = _submit_and_wait(cluster, run, "--stage", "prefetch")
    logs = _task_logs(run, ids)
    assert len(logs) == 2 and all("barnacle-task OK" in log.splitlines()[-1] for log in logs)
    assert all("barnacle run-task " in log and "--stage=prefetch" in log for log in logs)
    assert sorted(log.count("images downloaded") for log in logs) == [1, 1]
    offline = ImageCache(cache, offline=True)
    rows = RunFolder(run).read_manifests()
    for row, pages in zip(rows, (2, 1), strict=True):
        urls = planned_image_urls(row["manifest_url"], offline, IMAGE_SIZE)
        assert len(urls) == pages and all(offline.get(url) for url in urls)

    for row, pages in zip(rows, (2, 1), strict=True):
        _finish(run, row, pages)
    ids = _submit_and_wait(cluster, run, "--stage", "export", "--formats", "alto text")
    logs = _task_logs(run, ids)
    assert len(logs) == 2 and all("barnacle-task OK" in log.splitlines()[-1] for log in logs)
    for row, pages in zip(rows, (2, 1), strict=True):
        assert len(list((run / "alto" / row["sha1"]).glob("*.xml"))) == pages
        assert (run / "text" / f"{row['sha1']}.txt").is_file()
    # Resubmission: nothing due; the OCR status still counts both manifests complete.
    again = _barnacle(cluster, "submit-array", str(run), "--stage", "export", "--formats", "alto")
    assert "nothing to submit (2 done" in again.stdout, again.stdout + again.stderr
    status = _barnacle(cluster, "status", str(run))
    assert re.search(r"^ +2  complete$", status.stdout, re.M), status.stdout
    assert re.search(r"^ +0  queued or running$", status.stdout, re.M), status.stdout
