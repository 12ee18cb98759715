"""`barnacle evaluate`: CER/WER per page, manifest and run against the sample collection's
known texts (data/sample/pages/*.txt), both truth layouts, PAGE XML and ALTO, two runs side
by side; and a real OCR run of sample pages scored against their texts (slow)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from barnacle.evaluate import Normalisation, evaluate_run, load_truth, normalise, page_errors
from barnacle.evaluate.metrics import words
from barnacle.evaluate.report import comparison_lines
from barnacle.evaluate.truth import read_truth_text
from barnacle.listing.manifest_table import manifest_sha1
from barnacle.sample.serve import serve_sample
from barnacle.worker import WorkerOptions, process_manifest

from support.paths import REPO

SAMPLE = REPO / "data" / "sample"
PAGES = SAMPLE / "pages"
URL = "http://example.org/manifests/book1.json"


def _texts() -> list[str]:
    return [(PAGES / f"book1-p{n}.txt").read_text() for n in (1, 2, 3)]


def _write_run(run_dir: Path, texts: list[str], url: str = URL) -> None:
    (run_dir / "ocr").mkdir(parents=True)
    lines = [
        json.dumps(
            {
                "canvas_index": i,
                "canvas_id": f"{url}/canvas/{i}",
                "text": text,
                "canvas_label": f"p. {i + 1}",
            }
        )
        for i, text in enumerate(texts)
    ]
    (run_dir / "ocr" / f"{manifest_sha1(url)}.jsonl").write_text("\n".join(lines) + "\n")


def _truth_by_index(folder: Path, url: str = URL, pages: int = 3) -> Path:
    sub = folder / manifest_sha1(url)
    sub.mkdir(parents=True)
    for n in range(pages):
        (sub / f"{n}.txt").write_text((PAGES / f"book1-p{n + 1}.txt").read_text())
    return folder


def test_normalisation() -> None:
    assert normalise("  Cafe\u0301\n\n  au\tlait ") == "Caf\u00e9 au lait"
    how = Normalisation(fold_case=True, drop_punctuation=True)
    assert normalise("Let there be light: and there was LIGHT.", how) == (
        "let there be light and there was light"
    )


def test_page_error_counts() -> None:
    counts = page_errors("the cat sat", "the cat sit")
    assert (counts.char_errors, counts.chars, counts.word_errors, counts.words) == (1, 11, 1, 3)
    assert counts.cer == pytest.approx(1 / 11) and counts.wer == pytest.approx(1 / 3)
    assert page_errors("", "").cer == 0


def test_a_byte_order_mark_is_no_character(tmp_path: Path) -> None:
    (tmp_path / "bom.txt").write_bytes("\ufeffAnd God said".encode())
    assert read_truth_text(tmp_path / "bom.txt") == "And God said"
    _write_run(tmp_path / "run", ["And God said"])
    sub = tmp_path / "truth" / manifest_sha1(URL)
    sub.mkdir(parents=True)
    (sub / "0.txt").write_bytes("\ufeffAnd God said".encode())
    assert evaluate_run(tmp_path / "run", load_truth(tmp_path / "truth")).cer == 0


def test_empty_truth_with_ocr_text_is_undefined_and_counted_apart(tmp_path: Path) -> None:
    counts = page_errors("abc", "")
    assert counts.undefined and counts.cer is None and counts.wer is None
    assert page_errors("", "").cer == 0 and not page_errors("", "").undefined
    _write_run(tmp_path / "run", ["the cat sat", "stray marks"])
    sub = tmp_path / "truth" / manifest_sha1(URL)
    sub.mkdir(parents=True)
    (sub / "0.txt").write_text("the cat sit")
    (sub / "1.txt").write_text("")
    scored = evaluate_run(tmp_path / "run", load_truth(tmp_path / "truth"))
    assert scored.undefined == 1 and scored.total.chars == 11
    assert scored.cer == pytest.approx(1 / 11)  # the empty page is left out, not 300 %
    assert [p.cer for p in scored.pages if p.canvas_index == 1] == [None]
    lines = comparison_lines([scored])
    assert any("1 page(s) with empty ground truth but OCR text" in line for line in lines)
    assert any("undefined" in line and "#1" in line for line in lines)


def test_cer_counts_grapheme_clusters() -> None:
    # q + combining tilde has no precomposed form: one character to a reader (and dinglehopper)
    truth = "q\u0303uod"
    assert page_errors("quod", truth).chars == 4
    assert page_errors("quod", truth).char_errors == 1
    assert page_errors("x\u0303uod", truth).char_errors == 1  # not 1 of 5 code points
    assert page_errors("Cafe\u0301", normalise("Cafe\u0301")).chars == 4


def test_words_keep_punctuation_or_split_at_unicode_boundaries() -> None:
    assert words("light: and") == ["light:", "and"]
    assert words('light: "and" don\'t 3.5', "unicode") == [
        "light",
        ":",
        '"',
        "and",
        '"',
        "don't",
        "3.5",
    ]
    assert page_errors("light and", "light. and").word_errors == 1
    unicode = page_errors("light and", "light. and", "unicode")
    assert (unicode.word_errors, unicode.words) == (1, 3)
    assert page_errors("light. and", "light. and", "unicode").wer == 0


def test_page_xml_and_alto_truth(tmp_path: Path) -> None:
    page = tmp_path / "page.xml"
    page.write_text(
        '<PcGts xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"><Page>'
        "<TextRegion><TextLine><TextEquiv><Unicode>And God said,</Unicode></TextEquiv>"
        "</TextLine><TextLine><TextEquiv><Unicode>Let there be light</Unicode></TextEquiv>"
        "</TextLine></TextRegion></Page></PcGts>"
    )
    alto = tmp_path / "alto.xml"
    alto.write_text(
        '<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#"><Layout><Page><PrintSpace>'
        '<TextBlock><TextLine><String CONTENT="And"/><SP/><String CONTENT="God"/><SP/>'
        '<String CONTENT="said,"/></TextLine><TextLine><String CONTENT="Let"/>'
        '<String CONTENT="there"/><String CONTENT="be"/><String CONTENT="light"/></TextLine>'
        "</TextBlock></PrintSpace></Page></Layout></alto>"
    )
    assert read_truth_text(page) == "And God said,\nLet there be light"
    assert read_truth_text(alto) == "And God said,\nLet there be light"


def test_two_runs_side_by_side_against_the_sample_texts(tmp_path: Path) -> None:
    texts = _texts()
    _write_run(tmp_path / "runs" / "good", texts)
    worse = [texts[0], texts[1].replace("e", "c"), texts[2].upper()]
    _write_run(tmp_path / "runs" / "worse", worse)
    truth = _truth_by_index(tmp_path / "truth")

    good = evaluate_run(tmp_path / "runs" / "good", load_truth(truth))
    assert good.cer == 0 and good.wer == 0 and len(good.pages) == 3 and good.missing == 0
    bad = evaluate_run(tmp_path / "runs" / "worse", load_truth(truth))
    by_index = {page.canvas_index: page for page in bad.pages}
    assert by_index[0].cer == 0 and by_index[1].cer > 0.05 and by_index[2].cer > 0.5
    folded = evaluate_run(
        tmp_path / "runs" / "worse", load_truth(truth), Normalisation(fold_case=True)
    )
    assert {p.canvas_index: p.cer for p in folded.pages}[2] == 0

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "barnacle",
            "evaluate",
            str(tmp_path / "runs" / "good"),
            str(tmp_path / "runs" / "worse"),
            "--truth",
            str(truth),
            "--worst",
            "2",
            "--json",
            str(tmp_path / "eval.json"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "CER good" in out and "CER worse" in out and "WER worse" in out
    run_row = next(line for line in out.splitlines() if line.startswith("run (all pages"))
    assert run_row.split()[7:9] == ["0.00%", "0.00%"]  # good: CER, WER
    assert f"{bad.cer * 100:.2f}%" in run_row
    worst = out[out.index("worst pages of worse") :].splitlines()[1]
    assert "#2" in worst  # the upper-cased page is the worst
    scores = json.loads((tmp_path / "eval.json").read_text())
    assert [s["run"] for s in scores] == ["good", "worse"] and scores[1]["cer"] == bad.cer


def test_truth_by_canvas_id_and_missing_pages(tmp_path: Path) -> None:
    _write_run(tmp_path / "run", _texts()[:2])
    truth = tmp_path / "truth"
    truth.mkdir()
    for n in (1, 2, 3):
        (truth / f"p{n}.txt").write_text((PAGES / f"book1-p{n}.txt").read_text())
    (truth / "canvases.tsv").write_text(
        "canvas_id\tfile\n" + "".join(f"{URL}/canvas/{n - 1}\tp{n}.txt\n" for n in (1, 2, 3))
    )
    scored = evaluate_run(tmp_path / "run", load_truth(truth))
    assert len(scored.pages) == 2 and scored.cer == 0 and scored.missing == 1


def test_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    _write_run(tmp_path / "run", _texts())
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for truth, expected in (
        (tmp_path / "nope", "no such ground-truth folder"),
        (tmp_path / "empty", "no ground truth found"),
    ):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "barnacle",
                "evaluate",
                str(tmp_path / "run"),
                "--truth",
                str(truth),
            ],
            capture_output=True,
            text=True,
            env=env,
        )
        assert done.returncode == 2 and expected in done.stderr
        assert done.stderr.count("\n") == 1


@pytest.mark.slow
def test_a_real_run_of_sample_pages(tmp_path: Path) -> None:
    """The demo model on the first two pages of sample book1, scored against their texts."""
    with serve_sample(SAMPLE) as base:
        url = f"{base}/manifests/book1.json"
        out = tmp_path / "runs" / "demo" / "ocr" / f"{manifest_sha1(url)}.jsonl"
        options = WorkerOptions(
            cache_dir=tmp_path / "cache", page_processes=1, max_pages=2, progress=False
        )
        assert process_manifest(url, out, options).status == "complete"
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert all(r["line_confidence"] > 0.9 for r in records)  # the pages it was made for
    truth = _truth_by_index(tmp_path / "truth", url, pages=2)
    scored = evaluate_run(tmp_path / "runs" / "demo", load_truth(truth))
    assert len(scored.pages) == 2
    assert 0 < scored.cer < 0.05 and scored.wer < 0.2, scored.pages
