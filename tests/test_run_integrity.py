"""Run bookkeeping that must stay true: summaries and status of books whose pages all failed,
one page plan per output file, per-manifest stats files."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from barnacle.cli import main
from barnacle.listing.manifest_table import manifest_sha1
from barnacle.run.chart import draw_progress_chart
from barnacle.run.settings_guard import collection_conflict
from barnacle.run.status import run_status
from barnacle.run.summary import summarize, summary_lines, timeline
from barnacle.run.time_ticks import count_ticks, time_ticks
from barnacle.run_folder import errors_of, part_of, stats_of
from barnacle.run_folder.manifest_stats import read_stats
from barnacle.run_folder.metadata import read_metadata, record_run
from barnacle.worker import process_manifest

from support.fast_pages import image_path, page_png, serve_fast_book
from support.make_runs import make
from support.manifest_tables import write_manifest_table
from support.paths import REPO
from support.scripted_server import Response, ScriptedServer
from support.worker_options import quiet_options

START = datetime(2026, 1, 20, 10, tzinfo=UTC)


def _record(url: str, index: int, seconds: float = 2.0) -> dict[str, object]:
    return {
        "created_at": (START + timedelta(seconds=10 * index)).isoformat(),
        "page_key": f"{url}|{index}",
        "canvas_index": index,
        "manifest_url": url,
        "elapsed_ms": seconds * 1000,
        "host": "node01",
        "chars": 12,
        "text": "some text",
    }


def _run_dir(tmp_path: Path, urls: list[str]) -> Path:
    run_dir = tmp_path / "run"
    write_manifest_table(run_dir, urls)
    (run_dir / "ocr").mkdir(parents=True)
    return run_dir


def _out(run_dir: Path, url: str) -> Path:
    return run_dir / "ocr" / f"{manifest_sha1(url)}.jsonl"


def _write_lines(path: Path, records: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def test_summary_and_status_of_a_book_whose_pages_all_failed(tmp_path: Path) -> None:
    good, forbidden = "https://example.org/good/manifest", "https://example.org/403/manifest"
    run_dir = _run_dir(tmp_path, [good, forbidden])
    _write_lines(part_of(_out(run_dir, good)), [_record(good, 0), _record(good, 1, 4.0)])
    part_of(_out(run_dir, forbidden)).write_bytes(b"")  # RecordWriter creates it first
    error = {
        "manifest_url": forbidden,
        "canvas_index": 0,
        "kind": "http",
        "status": 403,
        "message": "403 Forbidden for the image of page 1",
    }
    _write_lines(errors_of(_out(run_dir, forbidden)), [error, error | {"canvas_index": 1}])

    status = run_status(run_dir)
    assert (status.counts["partial"], status.counts["failed"]) == (1, 1)
    failed_line = next(line for line in status.lines() if "failed" in line)
    assert failed_line.split()[0] == "1" and "no page done" in failed_line

    summary = summarize(run_dir, status)  # raised ZeroDivisionError before
    assert summary["pages"] == {"done": 2, "empty_text": 0, "errors": 2}
    assert [m["manifest_url"] for m in summary["slowest_manifests"]] == [good]
    failed = {m["manifest_url"]: m for m in summary["failed_manifests"]}
    assert failed[forbidden]["pages_done"] == 0
    assert failed[forbidden]["first_error"] == "403 Forbidden for the image of page 1"
    assert any("403 Forbidden" in line for line in summary_lines(summary))
    assert summary["errors_by_reason"] == {"http (HTTP 403)": 2}


def test_summary_reads_stats_files_of_finished_books_and_checks_them(tmp_path: Path) -> None:
    url = "https://example.org/done/manifest"
    run_dir = _run_dir(tmp_path, [url])
    out = _out(run_dir, url)
    _write_lines(out, [_record(url, 0, 3.0), _record(url, 1, 5.0)])
    size = out.stat().st_size
    stats = {
        "version": 2,
        "bytes": size,
        "pages": 1,
        "t0": START.timestamp() + 7,
        "finished_ms": [0],
        "elapsed_tenth_ms": [300000],
        "hosts": ["statshost"],
        "host": [0],
        "empty": [],
    }
    stats_of(out).write_text(json.dumps(stats))
    summary = summarize(run_dir)
    # The stats file is read, not the records: its (different) figures show.
    assert summary["pages"]["done"] == 1 and list(summary["hosts"]) == ["statshost"]
    assert [t for t, _ in timeline(run_dir)] == [START.timestamp() + 7]
    # A stats file that does not describe the JSONL as it is (another size) is ignored.
    stats_of(out).write_text(json.dumps(stats | {"bytes": size + 1}))
    assert read_stats(out) is None
    summary = summarize(run_dir)
    assert summary["pages"]["done"] == 2 and list(summary["hosts"]) == ["node01"]


def test_resume_under_another_size_keeps_one_record_per_canvas(
    server: ScriptedServer, tmp_path: Path
) -> None:
    url = serve_fast_book(server, "mixed", 3)
    server.route(image_path("mixed-p2"), Response(403, b"no"))
    out = tmp_path / "ocr" / "mixed.jsonl"
    first = process_manifest(url, out, quiet_options(tmp_path, size="!3000,3000"))
    assert (first.status, first.pages_done, first.pages_failed) == ("page_errors", 2, 1)
    server.route(image_path("mixed-p2"), Response(200, page_png(2), {"Content-Type": "image/png"}))
    # Same pages, another image size: other page keys, so every page is redone under them.
    again = process_manifest(url, out, quiet_options(tmp_path, size="!2000,2000"))
    assert (again.status, again.pages_done, again.pages_skipped) == ("complete", 3, 0)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["canvas_index"] for r in records) == [0, 1, 2]
    assert all("!2000,2000" in r["page_key"] for r in records)
    # The worker wrote the stats of the finished book, matching its records.
    pages = read_stats(out)
    assert pages is not None and len(pages) == 3
    assert sorted(round(s * 1000, 1) for _, s, _, _ in pages) == sorted(
        r["elapsed_ms"] for r in records
    )


def _run_info(capsys: pytest.CaptureFixture[str], run_dir: Path, *args: str) -> tuple[int, str]:
    code = main(["run-info", str(run_dir), "--start", *args])
    return code, capsys.readouterr().err


def test_a_run_has_one_model_and_one_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = tmp_path / "run"
    other = tmp_path / "other.mlmodel"
    other.write_bytes(b"another model's weights")
    assert _run_info(capsys, run_dir, "--set=SIZE=!3000,3000") == (0, "")
    # No output yet: the run may still change its mind (recorded anew).
    assert _run_info(capsys, run_dir, "--set=SIZE=!2000,2000")[0] == 0
    assert read_metadata(run_dir)["size"] == "!2000,2000"
    (run_dir / "ocr").mkdir()
    part_of(run_dir / "ocr" / f"{'a' * 40}.jsonl").write_text("{}\n")
    code, err = _run_info(capsys, run_dir, "--set=SIZE=!3000,3000")
    assert code == 2 and "SIZE=!2000,2000, not !3000,3000" in err and "new RUN=" in err
    code, err = _run_info(capsys, run_dir, f"--model={other}", "--set=SIZE=!2000,2000")
    assert code == 2 and "MODEL barnacle-demo" in err and "new RUN=" in err
    assert read_metadata(run_dir)["model"]["ref"] == "barnacle-demo"
    assert _run_info(capsys, run_dir, "--set=SIZE=!2000,2000")[0] == 0  # the same: resumes


def test_a_run_has_one_collection(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text("https://example.org/a/manifest\n")
    second.write_text("https://example.org/b/manifest\n")
    common = [f"RUNS_DIR={runs}", "RUN=one", "EXECUTOR=local", "DEVICE=cpu"]
    make("fetch-collection", *common, f"COLLECTION={first}")
    snapshot = (runs / "one" / "collection.json").read_bytes()
    done = subprocess.run(
        ["make", "--no-print-directory", "run", *common, f"COLLECTION={second}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert f"COLLECTION={first}, not {second}" in done.stderr and "new RUN=" in done.stderr
    assert (runs / "one" / "collection.json").read_bytes() == snapshot
    assert "source" not in read_metadata(runs / "one") and not (runs / "one" / "ocr").exists()
    # The same file under another spelling is the same collection.
    assert collection_conflict(runs / "one", str(second))
    assert collection_conflict(runs / "one", f"{tmp_path}/../{tmp_path.name}/first.txt") is None


def test_summary_brings_metadata_up_to_date(tmp_path: Path) -> None:
    url = "https://example.org/done/manifest"
    run_dir = _run_dir(tmp_path, [url])
    _write_lines(_out(run_dir, url), [_record(url, 0), _record(url, 1)])
    started = START - timedelta(hours=1)
    (run_dir / "metadata.json").write_text(
        json.dumps(
            {
                "started_at": started.isoformat(),
                "source": "data/lists/example.txt",
                "git_commit": "c" * 40,
                "container": "localhost/barnacle:latest@sha256:" + "e" * 64,
                "model": {
                    "ref": "barnacle-demo",
                    "resolved": "/m/demo.safetensors",
                    "sha256": "a" * 64,
                },
                "slurm_jobs": [{"job_id": "41"}, {"job_id": "42"}],
            }
        )
    )
    summary = summarize(run_dir)
    record_run(run_dir, summary)
    data = read_metadata(run_dir)
    assert data["end_time"] == (START + timedelta(seconds=10)).isoformat()  # the last page
    assert data["state"] == "finished" and data["elapsed_hours"] == round(3610 / 3600, 4)
    assert (data["manifest_count"], data["manifests_complete"], data["total_pages"]) == (1, 1, 2)
    assert data["manifests_failed"] == data["manifests_incomplete"] == data["pages_failed"] == 0
    assert (data["slurm_job_id"], data["slurm_job_ids"]) == ("41", ["41", "42"])
    assert data["container_sha256"] == "e" * 64 and data["git_commit"] == "c" * 40
    assert data["model"]["path"] == "/m/demo.safetensors" and data["model"]["doi"] is None
    assert data["run_name"] == "run" and data["collection_url"] == "data/lists/example.txt"
    assert data["start_time"] == started.isoformat() and data["slurm_jobs"][0]["job_id"] == "41"
    # A manifest not started yet: no end time.
    other = _run_dir(tmp_path / "more", [url, "https://example.org/later/manifest"])
    _write_lines(_out(other, url), [_record(url, 0)])
    record_run(other, summarize(other))
    assert read_metadata(other)["end_time"] is None
    assert read_metadata(other)["state"] == "in progress"


def test_time_ticks_are_distinct_and_readable_at_any_run_length() -> None:
    start = datetime(2026, 11, 30, 3, 33, 7, tzinfo=UTC).timestamp()
    for span, sample in [
        (40, "03:33:10"),  # the demo: seconds
        (170, "03:34:00"),  # three minutes, one label each (was "11-30 03:33" three times)
        (5 * 3600, "05:00"),
        (22 * 3600, "11-30 06:00"),  # over midnight: the date too
        (3 * 86400, "12-01"),
        (60 * 86400, "2026-12-17"),  # over new year: the year too
        (500 * 86400, "2027-"),
    ]:
        ticks, unit = time_ticks(start, start + span)
        labels = [label for _, label in ticks]
        assert 2 <= len(labels) <= 7 and len(set(labels)) == len(labels), (span, labels)
        assert all(start <= t <= start + span for t, _ in ticks), span
        assert any(label.startswith(sample) for label in labels), (span, labels)
        assert unit == ("2026-11-30 (UTC)" if span <= 5 * 3600 else "(UTC)")
    assert count_ticks(7) == [0, 2, 4, 6] and count_ticks(500_000)[-1] == 500_000
    assert count_ticks(1) == [0, 1] and count_ticks(0) == [0]


def test_progress_chart_has_labelled_axes(tmp_path: Path) -> None:
    start = START.timestamp()
    points = [(start + 9 * n, "node01" if n % 2 else "node02") for n in range(20)]
    chart = draw_progress_chart(points, tmp_path / "progress.png", "run demo")
    with Image.open(chart) as image:
        rgb = image.convert("RGB")
        # Ink left of the vertical axis (its label, turned) and under the time ticks.
        left_ink = [rgb.getpixel((x, y)) for x in range(0, 24) for y in range(150, 350)]
        low_ink = [rgb.getpixel((x, y)) for x in range(300, 600) for y in range(470, 490)]
    assert any(px != (255, 255, 255) for px in left_ink)
    assert any(px != (255, 255, 255) for px in low_ink)
