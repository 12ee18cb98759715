"""SLURM job arrays without a cluster: planning, sbatch command lines, what is queued, and the
task script run by hand with a stand-in for `barnacle run-task` (tests/test_slurm_cluster.py
runs arrays on a real one-node cluster)."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from barnacle.job_arrays import (
    SbatchOptions,
    TaskCommand,
    plan_arrays,
    sbatch_args,
    select_targets,
    submit,
)
from barnacle.job_arrays import submission as submit_module
from barnacle.job_arrays.cluster import parse_max_array_size, parse_queue
from barnacle.job_arrays.targets import task_list_outputs
from barnacle.listing import manifest_sha1
from barnacle.run_folder.metadata import append_slurm_jobs, read_metadata
from barnacle.run_folder.settings import RunSettings, write_settings

from support.paths import LAPIDUS
from support.slurm_runs import LOCAL_CLUSTER, SBATCH, make_run, run_script, write_stand_in

NO_CLUSTER = {"SLURM_CONF": "/nonexistent/slurm.conf"}

HOSTILE_URL = (
    "https://example.org/m/$(touch {tmp}/pwned)/`touch {tmp}/pwned2`/a b'c\"d;e&f|g*?.json"
)


def test_lapidus_size_needs_three_arrays_each_throttled() -> None:
    chunks = plan_arrays(2853, 1001, 20)
    assert [(c.offset, c.count) for c in chunks] == [(0, 1000), (1000, 1000), (2000, 853)]
    assert [c.array for c in chunks] == ["1-1000%20", "1-1000%20", "1-853%20"]


def test_plan_edges() -> None:
    assert [(c.offset, c.count) for c in plan_arrays(12, 5, 2)] == [(0, 4), (4, 4), (8, 4)]
    assert [c.array for c in plan_arrays(1000, 1001)] == ["1-1000"]
    assert [c.count for c in plan_arrays(1001, 1001)] == [1000, 1]
    assert plan_arrays(0, 1001, 5) == []
    with pytest.raises(ValueError):
        plan_arrays(3, 1)


def test_parse_scontrol_and_squeue() -> None:
    config = "Configuration data as of ...\nMaxArraySize            = 5\nMaxJobCount = 10000\n"
    assert parse_max_array_size(config) == 5
    assert parse_max_array_size("nothing") is None
    queue = "7|1|RUNNING|barnacle:x:s:0\n7|2|PENDING|barnacle:x:s:0\n9|N/A|RUNNING|(null)\n"
    assert parse_queue(queue) == [
        ("7", 1, "RUNNING", "barnacle:x:s:0"),
        ("7", 2, "PENDING", "barnacle:x:s:0"),
    ]


def test_sbatch_args_only_what_is_set(tmp_path: Path) -> None:
    common = {
        "run_dir": tmp_path / "r1",
        "array": "1-4%2",
        "task_list": tmp_path / "t.tsv",
        "offset": 8,
        "comment": "c",
    }
    bare = sbatch_args(SbatchOptions(), **common)
    assert bare[:2] == ["sbatch", "--parsable"]
    assert f"--output={(tmp_path / 'r1').resolve()}/logs/%A_%a.out" in bare
    assert "--export=ALL" in bare and "--array=1-4%2" in bare and "--job-name=barnacle-r1" in bare
    assert not any(
        a.startswith(("--partition", "--mem", "--time", "--gres", "--account")) for a in bare
    )
    assert bare[-4:] == [
        str(SBATCH),
        str((tmp_path / "r1").resolve()),
        str(tmp_path / "t.tsv"),
        "8",
    ]
    # The stage and its options follow OFFSET; the settings travel in settings.json.
    export = TaskCommand(stage="export", formats="alto,text", publish_url="https://x/iiif/")
    staged = sbatch_args(SbatchOptions(), **common, task=export)
    assert staged[-3:] == ["--stage=export", "--formats=alto,text", "--publish-url=https://x/iiif/"]
    full = sbatch_args(
        SbatchOptions(
            partition="gpu",
            cpus_per_task=4,
            mem="8G",
            time="1:00:00",
            gres="gpu:1",
            account="lib",
            extra=["--qos=low"],
        ),
        **common,
    )
    for option in (
        "--partition=gpu",
        "--cpus-per-task=4",
        "--mem=8G",
        "--time=1:00:00",
        "--gres=gpu:1",
        "--account=lib",
        "--qos=low",
    ):
        assert option in full
    assert [a for a in full if a.startswith("--export")] == ["--export=ALL"]


def test_select_targets_skips_done_and_busy(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    urls = [f"https://example.org/{n}/manifest" for n in range(4)]
    rows = [
        {
            "index": str(n + 1),
            "manifest_url": url,
            "sha1": manifest_sha1(url),
            "output": "x",
            "label": "L",
            "ark": f"ark:/{n}",
            "source_metadata_id": "" if n else "99",
        }
        for n, url in enumerate(urls)
    ]
    (run_dir / "ocr").mkdir(parents=True)
    (run_dir / "ocr" / f"{manifest_sha1(urls[0])}.jsonl").write_text("{}\n")
    busy = {(run_dir / "ocr" / f"{manifest_sha1(urls[1])}.jsonl").resolve()}
    targets, done, queued = select_targets(rows, run_dir, busy)
    assert (done, queued) == (1, 1)
    assert [t.url for t in targets] == urls[2:]
    assert targets[0].sha1 == manifest_sha1(urls[2]) and targets[0].output.is_absolute()
    # With make's due list, only the manifests listed in it.
    due = {manifest_sha1(urls[3])}
    targets, _, _ = select_targets(rows, run_dir, busy, due=due)
    assert [t.url for t in targets] == [urls[3]]


def test_metadata_json_append_keeps_other_keys(tmp_path: Path) -> None:
    (tmp_path / "metadata.json").write_text('{"collection": "x", "slurm_jobs": [{"job_id": "1"}]}')
    append_slurm_jobs(tmp_path, [{"job_id": "2"}])
    append_slurm_jobs(tmp_path / "new", [{"job_id": "3"}])
    data = read_metadata(tmp_path)
    assert data["collection"] == "x"
    assert [j["job_id"] for j in data["slurm_jobs"]] == ["1", "2"]
    assert read_metadata(tmp_path / "new")["slurm_jobs"] == [{"job_id": "3"}]


def test_dry_run_on_lapidus_prints_three_commands(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path, LAPIDUS / "manifests.txt", "lapidus")
    done = run_script(  # its timeout catches a hang; bench/bench_runs.py times the work
        "scripts/submit-array",
        str(run_dir),
        "--dry-run",
        "--throttle",
        "25",
        "--partition",
        "ocr",
        "--mem",
        "6G",
        "--sbatch-extra",
        "--qos=low --nice=10",
        env=NO_CLUSTER,
    )
    assert done.returncode == 0, done.stderr
    commands = [line for line in done.stdout.splitlines() if " sbatch " in line]
    assert len(commands) == 3, done.stdout
    assert "would submit 2853 tasks in 3 arrays" in done.stdout
    for command, (offset, array) in zip(
        commands, [(0, "1-1000%25"), (1000, "1-1000%25"), (2000, "1-853%25")], strict=True
    ):
        words = shlex.split(command)
        assignments = dict(w.split("=", 1) for w in words[: words.index("sbatch")])
        assert list(assignments) == ["BARNACLE"] and assignments["BARNACLE"].endswith("barnacle")
        args = words[words.index("sbatch") :]
        assert f"--array={array}" in args and "--partition=ocr" in args and "--mem=6G" in args
        assert "--qos=low" in args and "--nice=10" in args
        assert f"--output={run_dir.resolve()}/logs/%A_%a.out" in args
        assert args[-4:-2] == [str(SBATCH), str(run_dir.resolve())] and args[-1] == str(offset)
        assert args[-2].startswith(str(run_dir.resolve() / "slurm" / "tasks-"))
        assert args[-2].endswith(".txt")
    # A dry run writes nothing.
    assert not (run_dir / "slurm").exists() and not (run_dir / "metadata.json").exists()


def test_submit_needs_the_runs_settings(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path, LAPIDUS / "manifests.txt", "unset", lines=2)
    (run_dir / "settings.json").unlink()
    done = run_script("scripts/submit-array", str(run_dir), "--dry-run", env=NO_CLUSTER)
    assert done.returncode == 1 and "settings.json not found: start the run with make run" in (
        done.stderr
    )


def test_resubmission_leaves_out_queued_tasks(tmp_path: Path, monkeypatch) -> None:
    """A recorded array whose tasks squeue still lists is not submitted again."""
    run_dir = tmp_path / "run"
    urls = [f"https://example.org/{n}/manifest" for n in range(3)]
    run_dir.mkdir()
    write_settings(run_dir / "settings.json", RunSettings())
    (run_dir / "manifests.tsv").write_text(
        "index\tmanifest_url\tsha1\toutput\tlabel\n"
        + "".join(f"{n + 1}\t{u}\t{manifest_sha1(u)}\tx\t\n" for n, u in enumerate(urls))
    )
    first = submit(run_dir, dry_run=True, max_array=1001, say=lambda _: None)
    assert first.submitted == 3
    task_list = first.task_list
    assert task_list is not None
    task_list.parent.mkdir()
    task_list.write_text("".join(f"{manifest_sha1(u)}\n" for u in urls))
    append_slurm_jobs(
        run_dir,
        [{"job_id": "41", "offset": 0, "count": 3, "task_list": str(task_list), "comment": "mark"}],
    )
    # Task 2 is running; task 3 matches the job id but not the comment (an id reused).
    queue = [("41", 2, "RUNNING", "mark"), ("41", 3, "PENDING", "other")]
    monkeypatch.setattr(submit_module, "queued_array_tasks", lambda env=None: queue)
    with pytest.raises(submit_module.SlurmError, match="skip-queued"):
        submit(run_dir, dry_run=True, max_array=1001, say=lambda _: None)
    again = submit(run_dir, skip_queued=True, dry_run=True, max_array=1001, say=lambda _: None)
    assert (again.submitted, again.queued) == (2, 1)
    assert task_list_outputs(task_list, run_dir)[1].name == f"{manifest_sha1(urls[1])}.jsonl"


# ---------------------------------------------------------------- the task script, no SLURM


def _run_task(
    run_dir: Path, sha1s: list[str], task_id: int, *stage: str, offset: int = 0, **env: str
) -> subprocess.CompletedProcess[str]:
    task_list = run_dir / "slurm" / "tasks.txt"
    task_list.parent.mkdir(parents=True, exist_ok=True)
    task_list.write_text("".join(sha1 + "\n" for sha1 in sha1s))
    return subprocess.run(
        ["bash", str(SBATCH), str(run_dir), str(task_list), str(offset), *stage],
        cwd=run_dir.parent,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SLURM_ARRAY_TASK_ID": str(task_id), **env},
    )


def _settings_run(run_dir: Path) -> Path:
    run_dir.mkdir(parents=True)
    (run_dir / "ocr").mkdir()
    write_settings(run_dir / "settings.json", RunSettings(model="m,1 2", offline=True))
    return run_dir


def test_hostile_paths_and_options_are_never_run_by_a_shell(tmp_path: Path) -> None:
    """The task runs `barnacle run-task [STAGE OPTIONS] -- RUN_DIR SHA1`, words as given."""
    stand_in = write_stand_in(tmp_path / "fake barnacle")
    run_dir = _settings_run(tmp_path / "runs dir" / "r $(touch pwned)`id`")
    sha1 = manifest_sha1(HOSTILE_URL.format(tmp=tmp_path))
    done = _run_task(run_dir, ["0" * 40, sha1], 1, offset=1, BARNACLE=str(stand_in))
    assert done.returncode == 0, done.stdout + done.stderr
    output = run_dir / "ocr" / f"{sha1}.jsonl"
    assert json.loads(output.read_text())["args"] == [
        "run-task",
        "--no-progress",
        "--",
        str(run_dir),
        sha1,
    ]
    assert f"barnacle-task: barnacle run-task {run_dir} {sha1}" in done.stdout
    assert done.stdout.splitlines()[-1] == f"barnacle-task OK 2 {sha1} -> {output}"
    url = "https://example.org/iiif/$(touch pwned2)/`id`;x"
    stage = ["--stage=export", "--formats=alto,text", f"--publish-url={url}"]
    exported = _run_task(run_dir, [sha1], 1, *stage, BARNACLE=str(stand_in))
    assert exported.returncode == 0, exported.stdout + exported.stderr
    said = next(line for line in exported.stdout.splitlines() if "stand-in args:" in line)
    assert json.loads(said.split(":", 1)[1]) == [
        "run-task",
        *stage,
        "--no-progress",
        "--",
        str(run_dir),
        sha1,
    ]
    assert not list(tmp_path.rglob("pwned*"))


def test_task_exit_code_and_banner_on_failure(tmp_path: Path) -> None:
    stand_in = write_stand_in(tmp_path / "barnacle")
    run_dir = _settings_run(tmp_path / "run")
    sha1 = "a" * 40
    done = _run_task(run_dir, [sha1], 1, BARNACLE=str(stand_in), STAND_IN_EXIT="3")
    assert done.returncode == 3
    assert done.stdout.splitlines()[-1] == f"barnacle-task FAILED(3) 1 {sha1}"
    missing = _run_task(run_dir, [sha1], 2, BARNACLE=str(stand_in))
    assert missing.returncode == 2 and "FAILED(2) 2" in missing.stdout
    not_sha1 = _run_task(run_dir, ["https://example.org/m"], 1, BARNACLE=str(stand_in))
    assert not_sha1.returncode == 2 and "is not a manifest sha1" in not_sha1.stderr
    (run_dir / "ocr" / f"{sha1}.jsonl").write_text("done\n")
    skipped = _run_task(run_dir, [sha1], 1, BARNACLE=str(tmp_path / "nonexistent"))
    assert skipped.returncode == 0 and "already exists" in skipped.stdout
    assert skipped.stdout.splitlines()[-1].startswith("barnacle-task OK 1 ")


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_shell_scripts_are_shellcheck_clean() -> None:
    done = subprocess.run(
        ["shellcheck", str(SBATCH), str(LOCAL_CLUSTER)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout
