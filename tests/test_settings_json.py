"""A run's settings, written once (issue 22, items 2 and 3): `make run` writes
runs/<RUN>/settings.json at its start, the settings guard compares against it, every task reads
its options from it (`barnacle run-task RUN_DIR SHA1`), and a worker option is named in two
places only: its Makefile variable and its RunSettings field."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from barnacle.defaults import make_defaults
from barnacle.run_folder import RunFolder
from barnacle.run_folder.settings import RunSettings, make_variables, read_settings
from barnacle.setting_names import setting_fields
from barnacle.tasks import run_task as run_task_module
from barnacle.worker import WorkerOptions

from support.cli import barnacle
from support.manifest_tables import write_manifest_table
from support.paths import REPO

MAKEFILE = (REPO / "Makefile").read_text()
# The targets whose recipes start or run a run's tasks: no worker flag may appear in them.
RUN_TARGETS = {
    "run-start",
    "run-local",
    "$(RUN_DIR)/ocr/%.jsonl",
    "run-slurm",
    "submit-array",
    "resubmit-failed",
    "export-slurm",
    "prefetch-slurm",
}


def _recipes(text: str) -> dict[str, str]:
    """Each rule's targets -> its recipe lines (continuations included), from a Makefile."""
    recipes: dict[str, str] = {}
    targets: list[str] = []
    for line in text.splitlines():
        rule = re.match(r"^([^\s#=:][^=:]*?):(?!=)", line)
        if rule and not line.startswith("\t"):
            targets = rule.group(1).split()
        elif line.startswith("\t") and targets:
            for target in targets:
                recipes[target] = recipes.get(target, "") + line + "\n"
        elif not line.startswith(("\t", " ", "ifeq", "else", "endif")):
            targets = []
    return recipes


def test_the_makefile_reads_the_setting_names_from_the_settings_model() -> None:
    assert setting_fields() == list(RunSettings.model_fields)
    line = f"SETTING_VARIABLES := {' '.join(make_variables())}\n"
    assert line in make_defaults()
    assert "RECORDED_VARIABLES = COLLECTION EXECUTOR $(SETTING_VARIABLES)" in MAKEFILE


@pytest.mark.parametrize("name", list(RunSettings.model_fields))
def test_a_worker_option_is_named_once_in_the_makefile(name: str) -> None:
    variable = name.upper()
    assert len(re.findall(rf"^{variable} \?=", MAKEFILE, re.M)) == 1
    flag = "--" + name.replace("_", "-")
    recipes = _recipes(MAKEFILE)
    assert RUN_TARGETS <= recipes.keys(), sorted(recipes)
    passing = [target for target in RUN_TARGETS if re.search(rf"{flag}\b", recipes[target])]
    assert not passing, f"{flag} passed by hand in the recipes of {passing}"


def _start(run_dir: Path, *settings: str) -> subprocess.CompletedProcess[str]:
    """What make run's run-start calls: run-info --start with each variable as --set."""
    sets = [f"--set={setting}" for setting in settings]
    return barnacle("run-info", str(run_dir), "--start", *sets, timeout=120)


def test_run_start_writes_the_settings_and_the_guard_reads_them(tmp_path: Path) -> None:
    run_dir = tmp_path / "runs" / "r"
    started = _start(run_dir, "THREADS=2", "SIZE=!2000,2000", "MAX_PAGES=3", "PARTITION=p")
    assert started.returncode == 0, started.stderr
    settings = read_settings(run_dir / "settings.json")
    assert (settings.threads, settings.size, settings.max_pages) == (2, "!2000,2000", 3)
    assert settings.page_processes is None  # computed by each task from its CPUs
    assert "partition" not in json.loads((run_dir / "settings.json").read_text())
    # The run has an output: a changed THREADS is taken, a changed SIZE is refused.
    (run_dir / "ocr").mkdir()
    (run_dir / "ocr" / f"{'a' * 40}.jsonl.part").write_text("")
    resumed = _start(run_dir, "THREADS=4", "SIZE=!2000,2000")
    assert resumed.returncode == 0, resumed.stderr
    assert read_settings(run_dir / "settings.json").threads == 4
    refused = _start(run_dir, "THREADS=1", "SIZE=!1000,1000")
    assert refused.returncode == 2 and "SIZE=!2000,2000, not !1000,1000" in refused.stderr
    assert read_settings(run_dir / "settings.json").threads == 4  # left as it was


def test_run_task_reads_its_options_from_the_runs_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir = tmp_path / "runs" / "r"
    url = "https://example.org/m1/manifest.json"
    write_manifest_table(run_dir, [url])
    folder = RunFolder(run_dir)
    sha1 = folder.read_manifests()[0]["sha1"]
    missing = barnacle("run-task", str(run_dir), sha1, "--no-progress")
    assert missing.returncode == 4
    assert missing.stderr.strip().endswith(
        "settings.json not found: start the run with make run (it writes the run's settings)"
    )
    settings = RunSettings.from_make_variables({"THREADS": "3", "JOBS": "1", "OFFLINE": "1"})
    (run_dir / "settings.json").write_text(settings.model_dump_json())
    seen: list[tuple[str, Path, WorkerOptions]] = []
    monkeypatch.setattr(
        run_task_module, "process_manifest", lambda *args: seen.append(args) or "done"
    )
    assert run_task_module.run_task(folder, sha1, progress=False) == "done"
    [(given_url, out, options)] = seen
    assert (given_url, out) == (url, folder.output(sha1))
    assert (options.threads, options.offline, options.progress) == (3, True, False)
    assert options.page_processes is None and options.processes >= 1  # from the task's CPUs


def test_ocr_options_are_the_settings_fields() -> None:
    """`barnacle ocr`'s options are generated from RunSettings: each field's flag, its
    description as the help."""
    done = subprocess.run(
        [sys.executable, "-m", "barnacle", "ocr", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    text = " ".join(done.stdout.split())
    for name in ("model", "cache_dir", "max_pages", "size", "threads", "page_processes"):
        field = RunSettings.model_fields[name]
        assert f"--{name.replace('_', '-')}" in text
        assert " ".join(str(field.description).split()) in text
