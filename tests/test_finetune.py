"""`barnacle finetune` (#19): the quality loop on tiny pages in seconds (one epoch of kraken's
own trainer from the demo model), the model card, MODEL=NAME and `barnacle model list`, the
gate's table and verdict; each bad truth input named and skipped; refusals before training
(no usable line, BASE not installed, NAME taken); an interrupted training leaves nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from barnacle.finetune import FinetuneError, finetune
from barnacle.finetune.install import start_install
from barnacle.finetune.train import TrainSettings
from barnacle.finetune.truth_input import read_truth_input
from barnacle.groundtruth.write import write_groundtruth
from barnacle.hashing import file_sha256
from barnacle.model_files.resolve import demo_model_path, resolve_model
from barnacle.worker import WorkerOptions, process_manifest

from support.paths import REPO
from support.scripted_server import ScriptedServer
from support.small_book import serve_book
from support.truth_pages import correct, write_tiny_run

NEW_CHAR = "\ua751"  # LATIN SMALL LETTER P WITH STROKE THROUGH DESCENDER: not in the demo model


def _truth(tmp_path: Path, pages: int = 4) -> Path:
    """A corrected groundtruth folder of one tiny manifest, every line starting with NEW_CHAR."""
    run, cache = tmp_path / "runs" / "r", tmp_path / "cache"
    write_tiny_run(run, cache, [pages], {})
    write_groundtruth(run, cache, pages, seed=1, random_share=0)
    folder = run / "groundtruth"
    correct(folder)
    for xml in folder.rglob("*.xml"):
        xml.write_text(xml.read_text().replace("<Unicode>", f"<Unicode>{NEW_CHAR}"))
    return folder


def _barnacle(models: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "BARNACLE_MODELS_DIR": str(models)}
    return subprocess.run(
        [sys.executable, "-m", "barnacle", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=600,
    )


def test_the_loop_on_tiny_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    truth, models = _truth(tmp_path), tmp_path / "models"
    done = _barnacle(
        models,
        "finetune",
        "--truth",
        str(truth),
        "--base",
        "barnacle-demo",
        "--name",
        "tiny-1",
        "--max-epochs",
        "1",
        "--validation-share",
        "0.25",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "truth: 4 usable page(s), 8 line(s) with text; 0 file(s) skipped" in out
    assert "3 training page(s), 1 validation page(s) (seed 1)" in out
    assert "epoch 1: validation CER" in out
    assert f"alphabet extended by 1 character(s): {NEW_CHAR!r}" in out
    assert "held-out page" in out and "all held-out pages (1)" in out
    assert "better than barnacle-demo" in out  # the verdict, either way
    folder = models / "tiny-1"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["gate.png", "model-card.json", "tiny-1.safetensors"]
    with Image.open(folder / "gate.png") as chart:  # bars in both models' colours
        colours = {colour for _, colour in chart.convert("RGB").getcolors(1 << 16) or []}
    assert {(0x1F, 0x77, 0xB4), (0xFF, 0x7F, 0x0E)} <= colours
    assert [p.name for p in models.iterdir()] == ["tiny-1"]  # no temporary folder left
    card = json.loads((folder / "model-card.json").read_text())
    assert card["base"]["ref"] == "barnacle-demo"
    assert card["base"]["sha256"] == file_sha256(demo_model_path())
    assert len(card["training_pages"]) == 3 and len(card["validation_pages"]) == 1
    for page in card["training_pages"] + card["validation_pages"]:
        assert page["sha1"] and page["canvas_index"] is not None
        assert page["sha256"] == file_sha256(truth / page["file"])
    assert card["epochs"] == 1 and card["alphabet_added"] == [NEW_CHAR]
    assert 0 <= card["validation_cer"] <= 1 and card["kraken_version"] == "7.1.1"
    assert card["git_commit"] and card["gate"]["base"]["chars"] > 0
    # MODEL=tiny-1 works where a DOI works; `barnacle model list` shows it
    monkeypatch.setenv("BARNACLE_MODELS_DIR", str(models))
    assert resolve_model("tiny-1") == ("tiny-1", (folder / "tiny-1.safetensors").resolve())
    listed = _barnacle(models, "model", "list")
    assert "(fine-tuned from barnacle-demo)\ttiny-1" in listed.stdout
    taken = _barnacle(
        models, "finetune", "--truth", str(truth), "--base", "tiny-1", "--name", "tiny-1"
    )
    assert taken.returncode == 2 and "installed already" in taken.stderr


def test_bad_truth_files_are_named_skipped_and_counted(tmp_path: Path) -> None:
    truth = _truth(tmp_path, pages=6)
    xmls = sorted(truth.rglob("*.xml"))
    (truth / "notes.xml").write_text("<oops")  # not XML
    xmls[0].with_suffix(".jpg").unlink()  # image missing
    text = xmls[1].read_text()
    xmls[1].write_text(text.replace('imageWidth="320"', 'imageWidth="640"'))  # size mismatch
    text = xmls[2].read_text()
    first = text.index("<TextEquiv><Unicode>")
    end = text.index("</Unicode></TextEquiv>", first) + len("</Unicode></TextEquiv>")
    xmls[2].write_text(text[:first] + text[end:])  # one line without text
    text = xmls[3].read_text()
    while "<TextEquiv>" in text:  # no line with text at all
        start = text.index("<TextEquiv>")
        text = text[:start] + text[text.index("</TextEquiv>") + len("</TextEquiv>") :]
    xmls[3].write_text(text)
    found = read_truth_input(truth)
    problems = {p.file.name: p.message for p in found.problems}
    assert problems["notes.xml"].startswith("not valid PAGE XML or ALTO")
    assert problems[xmls[0].name].startswith("image") and "not found" in problems[xmls[0].name]
    assert "is 320x110, the XML says 640x110" in problems[xmls[1].name]
    assert problems[xmls[3].name] == "no line with text"
    assert [p.xml for p in found.pages] == [xmls[2], xmls[4], xmls[5]]
    assert (found.lines, found.empty_lines) == (5, 1)
    report = "\n".join(found.report_lines())
    assert "3 usable page(s), 5 line(s) with text; 4 file(s) skipped, 1 line(s) without" in report
    assert f"skipped {truth / 'notes.xml'}: not valid" in report


def test_refusals_before_training(tmp_path: Path) -> None:
    models = tmp_path / "models"
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "a.xml").write_text("<oops")
    done = _barnacle(
        models, "finetune", "--truth", str(empty), "--base", "barnacle-demo", "--name", "x"
    )
    assert done.returncode == 2 and "no usable line in" in done.stderr
    assert "skipped" in done.stdout and not models.exists()
    missing = _barnacle(
        models, "finetune", "--truth", str(empty), "--base", "10.5281/zenodo.1", "--name", "x"
    )
    assert missing.returncode == 2 and "make model MODEL=10.5281/zenodo.1" in missing.stderr
    assert missing.stderr.count("\n") == 1
    bad_name = _barnacle(models, "finetune", "--truth", str(empty), "--base", "x", "--name", "../x")
    assert bad_name.returncode == 2 and "is not usable" in bad_name.stderr
    with pytest.raises(FinetuneError, match="at least 2 are needed"):
        finetune(_truth(tmp_path, pages=1), "barnacle-demo", "one", TrainSettings(), 0.1)


def test_an_interrupted_training_leaves_no_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    models = tmp_path / "models"
    monkeypatch.setenv("BARNACLE_MODELS_DIR", str(models))
    truth = _truth(tmp_path, pages=2)

    def stop_after_an_epoch(line: str) -> None:
        if "epoch 1:" in line:
            raise SystemExit(143)  # what SIGTERM (scancel, a time limit) raises in barnacle

    with pytest.raises(SystemExit):
        finetune(
            truth, "barnacle-demo", "cut", TrainSettings(max_epochs=3), 0.5, stop_after_an_epoch
        )
    assert list(models.iterdir()) == []
    # a temporary folder a killed training left is cleared when it starts again
    (models / ".cut.tmp-999999999").mkdir()
    temp = start_install("cut")
    assert [p.name for p in models.iterdir()] == [temp.name]


def test_slurm_dry_run_checks_first_then_prints_one_sbatch_job(tmp_path: Path) -> None:
    truth, models = _truth(tmp_path, pages=2), tmp_path / "models"
    common = ["finetune", "--truth", str(truth), "--name", "gpu-1", "--slurm", "--dry-run"]
    done = _barnacle(
        models,
        *common,
        "--base",
        "barnacle-demo",
        "--gres",
        "gpu:1",
        "--device",
        "cuda",
        "--cpus",
        "4",
        "--log-dir",
        str(tmp_path / "logs"),
    )
    assert done.returncode == 0, done.stderr
    sbatch = done.stdout.splitlines()[-1]
    assert sbatch.startswith("sbatch --parsable --job-name=barnacle-finetune-gpu-1")
    assert f"--output={tmp_path / 'logs'}/finetune-gpu-1-%j.out" in sbatch
    assert "--gres=gpu:1" in sbatch and "--cpus-per-task=4" in sbatch
    assert f"finetune --truth={truth}" in sbatch and "--base=barnacle-demo" in sbatch
    assert "--device=cuda" in sbatch and "--threads=4" in sbatch and "--slurm" not in sbatch
    refused = _barnacle(models, *common, "--base", "10.5281/zenodo.1")
    assert refused.returncode == 2 and "make model" in refused.stderr  # before any sbatch


@pytest.mark.slow
def test_slurm_job_fine_tunes_and_installs(tmp_path: Path, cluster: dict[str, str]) -> None:
    truth, models, logs = _truth(tmp_path, pages=2), tmp_path / "models", tmp_path / "logs"
    env = {
        **os.environ,
        **cluster,
        "PYTHONPATH": str(REPO),
        "BARNACLE_MODELS_DIR": str(models),
    }
    done = subprocess.run(
        [sys.executable, "-m", "barnacle", "finetune", "--truth", str(truth)]
        + ["--base", "barnacle-demo", "--name", "queued-1", "--max-epochs", "1", "--slurm"]
        + ["--log-dir", str(logs)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    job_id = done.stdout.split("submitted job ", 1)[1].split(":", 1)[0]
    log = logs / f"finetune-queued-1-{job_id}.out"
    deadline = time.monotonic() + 540
    while not (models / "queued-1").is_dir():
        assert time.monotonic() < deadline, log.read_text() if log.exists() else "no log"
        time.sleep(2)
    text = log.read_text()
    assert "epoch 1: validation CER" in text and "all held-out pages (1)" in text
    recorded = json.loads(log.with_suffix(".json").read_text())
    assert recorded["job_id"] == job_id and recorded["sbatch"][0] == "sbatch"
    card = json.loads((models / "queued-1" / "model-card.json").read_text())
    assert card["epochs"] == 1 and card["base"]["ref"] == "barnacle-demo"


@pytest.mark.slow
def test_the_worker_reads_with_a_model_named_by_name(
    server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MODEL=<NAME> of a fine-tuned model works where a DOI works (here: the worker)."""
    models = tmp_path / "models"
    (models / "named-1").mkdir(parents=True)
    shutil.copyfile(demo_model_path(), models / "named-1" / "named-1.safetensors")
    (models / "named-1" / "model-card.json").write_text('{"name": "named-1", "base": {"ref": "x"}}')
    monkeypatch.setenv("BARNACLE_MODELS_DIR", str(models))
    url = serve_book(server, "book", 1)
    out = tmp_path / "ocr" / "book.jsonl"
    options = WorkerOptions(
        cache_dir=tmp_path / "cache", page_processes=1, progress=False, model="named-1"
    )
    result = process_manifest(url, out, options)
    assert (result.status, result.pages_done) == ("complete", 1)
    record = json.loads(out.read_text().splitlines()[0])
    assert record["model"]["ref"] == "named-1" and record["model"]["doi"] is None
    assert record["model"]["sha256"] == file_sha256(demo_model_path()) and record["lines"] >= 1
