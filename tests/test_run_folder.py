"""The run folder (barnacle.run_folder): every path under runs/<RUN>/ from one object, the one
reader of page-record files and its torn-line policy (a torn last line of a `.part` is the crash
being resumed; any other torn line is reported, never silently skipped), each reader of record
files reporting torn lines, and a guard that no other module builds a run path from strings."""

from __future__ import annotations

import ast
import json
import logging
from pathlib import Path

import pytest

from barnacle.cache_upkeep.run_images import record_image_urls
from barnacle.evaluate import Normalisation, evaluate_run, load_truth
from barnacle.evaluate.report import comparison_lines
from barnacle.export.records import read_manifest_records
from barnacle.groundtruth import write_groundtruth
from barnacle.hashing import manifest_sha1
from barnacle.models.confidence import manifest_confidence
from barnacle.run.summary import summarize, summary_lines
from barnacle.run_folder import (
    RunFolder,
    TornLine,
    errors_of,
    iter_record_lines,
    lock_of,
    part_of,
    read_record_lines,
    sha1_of,
    stats_of,
)
from barnacle.worker.output_files import repair_and_read_keys

from support.manifest_tables import write_manifest_table
from support.paths import REPO
from support.truth_pages import write_tiny_run

URL = "http://127.0.0.1/manifests/m0.json"
SHA1 = manifest_sha1(URL)
TORN = b'{"page_key": "c", "te'


def _record(index: int, **extra: object) -> bytes:
    record = {
        "created_at": f"2026-01-20T10:00:{index:02d}+00:00",
        "page_key": f"{URL}|{index}",
        "canvas_index": index,
        "canvas_id": f"{URL}/canvas/{index}",
        "manifest_url": URL,
        "elapsed_ms": 2000.0,
        "host": "node01",
        "chars": 9,
        "line_confidence": 0.5,
        "image_url": f"http://127.0.0.1/image/{index}.jpg",
        **extra,
        "text": "some text",
    }
    return json.dumps(record).encode() + b"\n"


def _run(tmp_path: Path) -> RunFolder:
    run = RunFolder(tmp_path / "runs" / "r")
    write_manifest_table(run.root, [URL])
    run.ocr_dir.mkdir(parents=True)
    return run


# RunFolder


def test_every_path_of_a_manifest_comes_from_the_run_folder(tmp_path: Path) -> None:
    run = RunFolder(tmp_path / "runs" / "r")
    out = run.output(SHA1)
    assert out == run.root / "ocr" / f"{SHA1}.jsonl" == run.output_for_url(URL)
    assert run.part(SHA1) == part_of(out) == out.with_name(f"{SHA1}.jsonl.part")
    assert run.errors(SHA1) == errors_of(out) == out.with_name(f"{SHA1}.jsonl.errors.jsonl")
    assert run.lock(SHA1) == lock_of(out) == out.with_name(f"{SHA1}.jsonl.lock")
    assert run.stats(SHA1) == stats_of(out) == out.with_name(f"{SHA1}.stats.json")
    assert {sha1_of(path) for path in (out, part_of(out), errors_of(out), stats_of(out))} == {SHA1}
    assert run.export_target("alto", SHA1) == run.root / "alto" / SHA1
    assert run.export_target("iiif", SHA1) == run.root / "iiif" / SHA1 / "manifest.json"
    assert run.per_page_export("page", SHA1, 7) == run.root / "page" / SHA1 / "0007.xml"
    assert run.iiif_annotation(SHA1, 12) == run.root / "iiif" / SHA1 / "annotations/0012.json"
    with pytest.raises(ValueError, match="unknown format 'pdf'"):
        run.export_dir("pdf")


def test_record_files_prefer_the_finished_output_and_skip_other_files(tmp_path: Path) -> None:
    run = _run(tmp_path)
    other = "b" * 40
    run.part(SHA1).write_bytes(_record(0))
    run.output(SHA1).write_bytes(_record(0))
    run.part(other).write_bytes(b"")
    run.errors(other).write_text("{}\n")
    run.stats(SHA1).write_text("{}\n")
    (run.ocr_dir / "tmp.jsonl.part.x1").write_text("{}\n")  # an atomic rewrite's temp file
    assert run.record_files() == {SHA1: run.output(SHA1), other: run.part(other)}
    assert run.finished_outputs() == [run.output(SHA1)]
    assert run.error_files() == [run.errors(other)]


def test_a_missing_manifest_table_names_the_make_target(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="make list-manifests RUN=r"):
        RunFolder(tmp_path / "r").read_manifests()


# The one reader and its policy


def test_torn_tail_of_a_part_is_the_crash_being_resumed(tmp_path: Path) -> None:
    part = tmp_path / f"{SHA1}.jsonl.part"
    part.write_bytes(_record(0) + _record(1) + TORN)
    lines = read_record_lines(part)
    assert [number for number, _ in lines.records] == [1, 2]
    assert lines.torn == [] and lines.resumed_tail


def test_torn_middle_line_of_a_part_is_reported(tmp_path: Path) -> None:
    part = tmp_path / f"{SHA1}.jsonl.part"
    part.write_bytes(_record(0) + TORN + b"\n" + _record(1) + TORN)
    lines = read_record_lines(part)
    assert [number for number, _ in lines.records] == [1, 3]
    assert [torn.message() for torn in lines.torn] == [f"{part}:2: torn line (not JSON)"]
    assert lines.resumed_tail


def test_torn_last_line_of_a_finished_output_is_reported(tmp_path: Path) -> None:
    out = tmp_path / f"{SHA1}.jsonl"
    out.write_bytes(_record(0) + _record(1).rstrip(b"\n"))  # whole JSON, but no newline
    lines = read_record_lines(out)
    assert len(lines.records) == 1 and not lines.resumed_tail
    assert [torn.message() for torn in lines.torn] == [
        f"{out}:2: torn line (no newline at its end)"
    ]


def test_the_lazy_reader_gives_torn_lines_in_their_place(tmp_path: Path) -> None:
    part = tmp_path / f"{SHA1}.jsonl.part"
    part.write_bytes(_record(0) + TORN + b"\n" + _record(1) + TORN)
    items = list(iter_record_lines(part, figures_only=True))
    assert [type(item) for item in items] == [tuple, TornLine, tuple, TornLine]
    assert [item.resumed for item in items if isinstance(item, TornLine)] == [False, True]
    assert all("text" not in item[1] for item in items if isinstance(item, tuple))


# Each reader of record files reports a torn line


def test_the_worker_resume_cuts_a_torn_tail_and_names_a_torn_middle_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    part = tmp_path / f"{SHA1}.jsonl.part"
    part.write_bytes(_record(0) + TORN + b"\n" + _record(1) + TORN)
    with caplog.at_level(logging.INFO):
        keys = repair_and_read_keys(part)
    assert keys == [f"{URL}|0", f"{URL}|1"]
    assert part.read_bytes() == _record(0) + _record(1)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [f"{part}: dropped torn line(s) 2; those pages are redone"]


def test_summary_names_torn_lines_and_does_not_count_them(tmp_path: Path) -> None:
    run = _run(tmp_path)
    run.part(SHA1).write_bytes(_record(0) + TORN + b"\n" + _record(1) + TORN)
    summary = summarize(run.root)
    assert summary["pages"]["done"] == 2
    assert summary["torn_lines"] == [f"{run.part(SHA1)}:2: torn line (not JSON)"]
    assert f"    {run.part(SHA1)}:2: torn line (not JSON)" in summary_lines(summary)


def test_summary_of_a_whole_run_has_no_torn_lines(tmp_path: Path) -> None:
    run = _run(tmp_path)
    run.part(SHA1).write_bytes(_record(0) + TORN)  # only the tail a rerun resumes from
    summary = summarize(run.root)
    assert summary["pages"]["done"] == 1 and "torn_lines" not in summary


def test_confidence_warns_of_a_torn_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / f"{SHA1}.jsonl"
    out.write_bytes(_record(0) + TORN + b"\n" + _record(1, line_confidence=0.7))
    with caplog.at_level(logging.WARNING):
        assert manifest_confidence(out) == (pytest.approx(0.6), 2)
    assert f"{out}:2: torn line (not JSON)" in caplog.text


def test_cache_upkeep_warns_of_a_torn_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / f"{SHA1}.jsonl"
    out.write_bytes(_record(0) + TORN + b"\n")
    with caplog.at_level(logging.WARNING):
        assert record_image_urls(out) == {"http://127.0.0.1/image/0.jpg"}
    assert f"{out}:2: torn line (not JSON)" in caplog.text


def test_export_reports_a_torn_last_line_of_a_finished_output(tmp_path: Path) -> None:
    out = tmp_path / f"{SHA1}.jsonl"
    out.write_bytes(_record(0) + TORN)

    def torn(path: Path) -> list[str]:  # (these records are not whole page records either)
        return [str(p) for p in read_manifest_records(path).problems if ": torn line" in str(p)]

    assert torn(out) == [f"{out}:2: torn line (no newline at its end): skipped"]
    part = part_of(out)
    part.write_bytes(_record(0) + TORN)  # a .part's torn tail: the crash being resumed
    assert torn(part) == []


def test_evaluate_names_a_torn_line_instead_of_skipping_it(tmp_path: Path) -> None:
    run = _run(tmp_path)
    run.output(SHA1).write_bytes(_record(0) + TORN + b"\n" + _record(1))
    truth = tmp_path / "truth" / SHA1
    truth.mkdir(parents=True)
    for index in (0, 1):
        (truth / f"{index}.txt").write_text("some text\n")
    found = evaluate_run(run.root, load_truth(tmp_path / "truth"), Normalisation())
    assert len(found.pages) == 2
    assert found.torn_lines == [f"{run.output(SHA1)}:2: torn line (not JSON)"]
    assert f"  {run.output(SHA1)}:2: torn line (not JSON)" in comparison_lines([found])


def test_groundtruth_names_a_torn_line(tmp_path: Path) -> None:
    run = RunFolder(tmp_path / "runs" / "r")
    [sha1] = write_tiny_run(run.root, tmp_path / "cache", [2], {})
    lines = run.output(sha1).read_bytes().splitlines(keepends=True)
    run.output(sha1).write_bytes(lines[0] + TORN + b"\n" + lines[1])
    report = write_groundtruth(run.root, tmp_path / "cache", 2, seed=1, random_share=0.0)
    assert len(report.chosen) == 2
    assert report.torn_lines == [f"{run.output(sha1)}:2: torn line (not JSON)"]


# No other module builds a run path from strings

# Folders and files of a run folder: `anything / NAME` outside barnacle/run_folder/ builds a
# run path by hand.
RUN_NAMES = {
    "ocr",
    "logs",
    "slurm",
    "alto",
    "page",
    "hocr",
    "text",
    "iiif",
    "annotations",
    "groundtruth",
    ".view-cache",
    ".summary-page-figures",
}
# Names and suffixes of run files: a string that is exactly one of these (an f-string piece, a
# `name + ".part"`) names a run file by hand.
RUN_FILES = {
    "collection.json",
    "manifests.tsv",
    "outputs.mk",
    "settings.json",
    "metadata.json",
    "summary.json",
    "failed-manifests.txt",
    "progress.png",
    "evaluation.json",
    "search.sqlite",
    "page-counts.tsv",
    "manifest.json",
    ".jsonl",
    ".part",
    ".jsonl.part",
    ".errors.jsonl",
    ".stats.json",
    ".lock",
}
# What is not a run path, each with why.
ALLOWED = {
    ("barnacle/images/cache.py", ".part"): "the image cache's own temporary files",
    ("barnacle/model_files/card.py", "metadata.json"): "a DOI model record's file",
    ("barnacle/export/published_urls.py", "manifest.json"): "a URL, not a path",
    ("barnacle/job_arrays/sbatch.py", "slurm"): "the repository's slurm/ folder (the script)",
}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _run_path_literals(source: str, where: str) -> list[str]:
    """`where:line: 'literal'` for each run path built from strings in `source`."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        text = None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            right = node.right
            if isinstance(right, ast.Constant) and right.value in RUN_NAMES:
                text = right.value
        if isinstance(node, ast.Constant) and id(node) not in docstrings:
            if node.value in RUN_FILES:
                text = node.value
        if text is not None and (where, text) not in ALLOWED:
            found.append(f"{where}:{node.lineno}: {text!r}")
    return found


def test_no_module_outside_the_run_folder_builds_a_run_path_from_strings() -> None:
    package = REPO / "barnacle"
    found = [
        literal
        for path in sorted(package.rglob("*.py"))
        if "run_folder" not in path.relative_to(package).parts
        for literal in _run_path_literals(
            path.read_text(encoding="utf-8"), path.relative_to(REPO).as_posix()
        )
    ]
    assert not found, "ask barnacle.run_folder.RunFolder instead:\n" + "\n".join(found)


def test_the_guard_sees_a_path_built_by_hand() -> None:
    source = (
        '"""Docstrings may name ocr/<sha1>.jsonl and metadata.json."""\n'
        "def f(run, sha1):\n"
        '    return run / "ocr" / f"{sha1}.jsonl", run.with_name(run.name + ".part")\n'
    )
    found = _run_path_literals(source, "probe.py")
    assert sorted(found) == ["probe.py:3: '.jsonl'", "probe.py:3: '.part'", "probe.py:3: 'ocr'"]
