"""The Makefile as the pipeline: `make -n run` shows each stage of a run in order and changes
nothing, the outputs make builds come from manifests.tsv's sha1 column (runs/<RUN>/outputs.mk),
`make help` shows the variables' values, and records name container images unambiguously."""

from __future__ import annotations

from pathlib import Path

import pytest

from barnacle.defaults import IMAGE_SIZE, ExitCode
from barnacle.hashing import manifest_sha1
from barnacle.listing.manifest_table import ManifestTable, write_table
from barnacle.run.make_targets import main as make_targets
from barnacle.run.make_targets import manifest_sha1s, unfinished
from barnacle.run_folder.metadata import image_sha256

from support.make_runs import try_make

EXAMPLE = "data/lists/example.txt"


def _stages(out: str) -> list[str]:
    """What each command line of `make -n` output runs, in order (the settings checks, lines
    that start with `test`, and make's own messages left out)."""
    names = [
        ("--start", "start"),
        ("--end", "end"),
        ("scripts/fetch-collection", "fetch"),
        ("scripts/list-manifests", "list"),
        ("make_targets outputs", "outputs.mk"),
        ("make_targets finished", "finished"),
        ("ocr-outputs", "ocr"),
        ("run-task", "task"),
        ("submit-array", "submit"),
    ]
    stages = []
    for line in out.splitlines():
        found = [name for key, name in names if key in line]
        if found and not line.startswith(("test ", "make[")):
            stages.append(found[0])
    return stages


def test_dry_run_shows_the_pipeline_and_changes_nothing(tmp_path: Path) -> None:
    common = [f"RUNS_DIR={tmp_path}", "RUN=x", f"COLLECTION={EXAMPLE}"]
    local = try_make("-n", "run", *common, "EXECUTOR=local")
    assert local.returncode == 0, local.stderr
    stages = ["start", "fetch", "list", "outputs.mk", "ocr", "end", "finished"]
    assert _stages(local.stdout) == stages, local.stdout
    slurm = try_make("-n", "run", *common, "EXECUTOR=slurm", "THROTTLE=3")
    stages = ["start", "fetch", "list", "outputs.mk", "ocr", "submit"]
    assert _stages(slurm.stdout) == stages, slurm.stdout
    submit = next(line for line in slurm.stdout.splitlines() if "submit-array" in line)
    assert "--skip-queued" in submit and "--throttle=3" in submit and "--due=" in submit
    assert "--size" not in submit  # the tasks read it from settings.json
    start = next(line for line in slurm.stdout.splitlines() if "--set=SIZE=" in line)
    assert f"--set=SIZE='{IMAGE_SIZE}'" in start
    assert list(tmp_path.iterdir()) == []


def test_listed_run_shows_one_task_per_manifest(tmp_path: Path) -> None:
    common = [f"RUNS_DIR={tmp_path}", "RUN=x", "EXECUTOR=local"]
    listed = try_make("list-manifests", *common, f"COLLECTION={EXAMPLE}")
    assert listed.returncode == 0, listed.stderr
    run_dir = tmp_path / "x"
    sha1s = manifest_sha1s(run_dir)
    assert len(sha1s) == 3
    dry = try_make("-n", "run", *common, "JOBS=2", "SIZE=!2000,2000")
    tasks = [line for line in dry.stdout.splitlines() if "barnacle run-task" in line]
    assert sorted(line.split()[5] for line in tasks) == sorted(sha1s), dry.stdout
    # Only the run folder and the manifest: the settings are in settings.json.
    assert all(
        line.split()[3:] == ["run-task", str(run_dir), line.split()[5], "--no-progress"]
        for line in tasks
    ), tasks
    assert _stages(dry.stdout)[-2:] == ["end", "finished"]
    assert not (run_dir / "ocr").exists() and not (run_dir / "metadata.json").exists()
    assert not (run_dir / "settings.json").exists()


def test_slurm_dry_run_lists_the_manifests_it_would_submit(tmp_path: Path) -> None:
    """`make -n run EXECUTOR=slurm` shows the work: one due sha1 per missing output, the
    finished ones left out, then the one submission of that due list."""
    common = [f"RUNS_DIR={tmp_path}", "RUN=x", "EXECUTOR=slurm"]
    listed = try_make("list-manifests", *common, f"COLLECTION={EXAMPLE}")
    assert listed.returncode == 0, listed.stderr
    run_dir = tmp_path / "x"
    sha1s = manifest_sha1s(run_dir)
    (run_dir / "ocr").mkdir()
    (run_dir / "ocr" / f"{sha1s[0]}.jsonl").write_text("{}\n")
    for goal in ("run", "resubmit-failed"):
        dry = try_make("-n", goal, *common)
        assert dry.returncode == 0, dry.stderr
        due = [line.split()[1] for line in dry.stdout.splitlines() if line.startswith("echo ")]
        assert due == sha1s[1:], dry.stdout
        [submit] = [line for line in dry.stdout.splitlines() if "barnacle submit-array" in line]
        assert f"--due={run_dir}/slurm/due.txt" in submit
    assert not (run_dir / "slurm").exists() and not (run_dir / "settings.json").exists()


def test_outputs_makefile_reads_the_sha1_column_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    urls = ["https://example.org/a/manifest", "https://example.org/b/manifest"]
    rows = [
        {"label": f"book {i}", "sha1": manifest_sha1(url), "manifest_url": url, "index": str(i)}
        for i, url in enumerate(urls, start=1)
    ]
    write_table(
        ManifestTable(["label", "sha1", "manifest_url", "index"], rows), tmp_path / "manifests.tsv"
    )
    assert make_targets(["outputs", str(tmp_path)]) == ExitCode.OK
    text = (tmp_path / "outputs.mk").read_text()
    assert [line.strip(" \\") for line in text.splitlines()[2:4]] == [
        manifest_sha1(u) for u in urls
    ]
    assert unfinished(tmp_path) == [manifest_sha1(u) for u in urls]
    assert make_targets(["finished", str(tmp_path)]) == ExitCode.PAGE_ERRORS
    assert "2 of 2 manifests not finished" in capsys.readouterr().err
    (tmp_path / "ocr").mkdir()
    for url in urls:
        (tmp_path / "ocr" / f"{manifest_sha1(url)}.jsonl").write_text("{}\n")
    assert make_targets(["finished", str(tmp_path)]) == ExitCode.OK
    # A sha1 that is not one would be make syntax: refused with the line.
    rows[1]["sha1"] = "$(shell rm -rf /)"
    write_table(
        ManifestTable(["label", "sha1", "manifest_url", "index"], rows), tmp_path / "manifests.tsv"
    )
    assert make_targets(["outputs", str(tmp_path)]) == ExitCode.INVALID
    assert "line 3" in capsys.readouterr().err
    assert make_targets(["outputs", str(tmp_path / "none")]) == ExitCode.USAGE


def test_help_prints_values_not_make_syntax() -> None:
    done = try_make("help", "JOBS=3")
    assert done.returncode == 0, done.stderr
    lines = {
        line.split("=", 1)[0].strip(): line for line in done.stdout.splitlines() if "=" in line
    }
    assert lines["EXECUTOR"].split()[0] in ("EXECUTOR=local", "EXECUTOR=slurm")
    assert lines["SIZE"].split()[0] == f"SIZE={IMAGE_SIZE}"
    assert lines["JOBS"].split()[0] == "JOBS=3" and "manifests OCRed at once" in lines["JOBS"]
    assert "$(" not in done.stdout
    assert "make resubmit-failed" in done.stdout and "not queued or running" in done.stdout


def test_image_sha256_reads_each_form_of_container_image_id() -> None:
    digest = "e" * 64
    assert image_sha256(f"localhost/barnacle:latest@sha256:{digest}") == digest
    assert image_sha256(f"barnacle:test#id=sha256:{digest}") == digest
    assert image_sha256(f"/srv/barnacle.sif#sha256={digest}") == digest
    assert image_sha256("/srv/barnacle.sif") is None
    assert image_sha256("barnacle:0.1.0+abc") is None and image_sha256(None) is None
