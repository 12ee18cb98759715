"""SLURM job arrays on a real local cluster: slurm/local-cluster starts a one-node cluster
(slurm-wlm + munge) and arrays run whose tasks call a stand-in for `barnacle run-task` (the
real worker is tested elsewhere)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from barnacle.run_folder.metadata import read_metadata
from barnacle.run_folder.settings import RunSettings

from support.paths import LAPIDUS
from support.slurm_runs import LOCAL_CLUSTER, make_run, run_script, write_stand_in

# ---------------------------------------------------------------- a real local cluster


def _squeue_ids(env: dict[str, str]) -> set[str]:
    done = subprocess.run(
        ["squeue", "-h", "-r", "-o", "%F"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return set(done.stdout.split())


def _wait_gone(job_ids: list[str], env: dict[str, str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while _squeue_ids(env) & set(job_ids):
        assert time.monotonic() < deadline, f"jobs {job_ids} still queued after {timeout} s"
        time.sleep(0.5)


def _submit_with_stand_in(
    stand_in: Path, run_dir: Path, throttle: int, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """scripts/submit-array of the run, its tasks running `stand_in` for barnacle."""
    return run_script(
        "scripts/submit-array",
        str(run_dir),
        "--barnacle",
        str(stand_in),
        "--throttle",
        str(throttle),
        env=env,
    )


def _submitted_ids(stdout: str) -> list[str]:
    line = next(line for line in stdout.splitlines() if line.startswith("submitted "))
    return line.split("job ids ", 1)[1].split(" (", 1)[0].split()


@pytest.mark.slow
def test_local_cluster_status(cluster: dict[str, str]) -> None:
    env = {**os.environ, **cluster}
    done = subprocess.run([str(LOCAL_CLUSTER), "status"], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and "MaxArraySize: 5" in done.stdout, done.stdout
    again = subprocess.run([str(LOCAL_CLUSTER), "start"], env=env, capture_output=True, text=True)
    assert again.returncode == 0 and "already running" in again.stdout


@pytest.mark.slow
def test_twelve_tasks_in_three_arrays_all_complete(tmp_path: Path, cluster: dict[str, str]) -> None:
    run_dir = make_run(
        tmp_path, LAPIDUS / "lapidus_lar.csv", "twelve", lines=13, settings=RunSettings(max_pages=1)
    )
    done = _submit_with_stand_in(write_stand_in(tmp_path / "barnacle"), run_dir, 2, cluster)
    assert done.returncode == 0, done.stderr
    job_ids = _submitted_ids(done.stdout)
    assert len(job_ids) == 3 and "12 tasks in 3 arrays" in done.stdout
    _wait_gone(job_ids, cluster)

    rows = (run_dir / "manifests.tsv").read_text().splitlines()[1:]
    assert len(rows) == 12
    for row in rows:
        assert (run_dir / "ocr" / f"{row.split(chr(9))[2]}.jsonl").is_file()
    logs = sorted((run_dir / "logs").glob("*.out"))
    assert len(logs) == 12
    assert {log.name.split("_")[0] for log in logs} == set(job_ids)
    texts = [log.read_text() for log in logs]
    assert all(text.splitlines()[-1].startswith("barnacle-task OK ") for text in texts)
    first = next(text for text in texts if "barnacle-task OK 1 " in text)
    sha1 = (run_dir / "slurm").glob("tasks-*.txt").__next__().read_text().split()[0]
    assert f"barnacle-task: barnacle run-task {run_dir.resolve()} {sha1}" in first
    assert '"max_pages": 1' in first  # the task read the run's settings.json
    recorded = read_metadata(run_dir)["slurm_jobs"]
    assert [job["job_id"] for job in recorded] == job_ids
    assert [(job["offset"], job["count"]) for job in recorded] == [(0, 4), (4, 4), (8, 4)]
    again = run_script("scripts/submit-array", str(run_dir), "--skip-queued", env=cluster)
    assert "nothing to submit (12 done" in again.stdout, again.stdout + again.stderr


@pytest.mark.slow
def test_failed_task_banner_and_exit_code(tmp_path: Path, cluster: dict[str, str]) -> None:
    run_dir = make_run(tmp_path, LAPIDUS / "manifests.txt", "failing", lines=2)
    stand_in = write_stand_in(tmp_path / "barnacle")
    done = run_script(
        "scripts/submit-array",
        str(run_dir),
        "--barnacle",
        str(stand_in),
        env={**cluster, "STAND_IN_EXIT": "3"},
    )
    assert done.returncode == 0, done.stderr
    (job_id,) = _submitted_ids(done.stdout)
    _wait_gone([job_id], cluster)
    logs = sorted((run_dir / "logs").glob(f"{job_id}_*.out"))
    assert len(logs) == 2
    for log in logs:
        assert log.read_text().splitlines()[-1].startswith("barnacle-task FAILED(3) ")
    shown = subprocess.run(
        ["scontrol", "show", "job", f"{job_id}_1"],
        env={**os.environ, **cluster},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert "ExitCode=3:0" in shown.stdout, shown.stdout + shown.stderr
    assert not list((run_dir / "ocr").glob("*.jsonl"))


@pytest.mark.slow
def test_resubmission_while_running_submits_nothing(
    tmp_path: Path, cluster: dict[str, str]
) -> None:
    run_dir = make_run(tmp_path, LAPIDUS / "manifests.txt", "busy", lines=3)
    stand_in = write_stand_in(tmp_path / "barnacle")
    slow = {**cluster, "STAND_IN_SLEEP": "60"}
    done = _submit_with_stand_in(stand_in, run_dir, 1, slow)
    assert done.returncode == 0, done.stderr
    job_ids = _submitted_ids(done.stdout)
    try:
        refused = run_script("scripts/submit-array", str(run_dir), env=slow)
        assert refused.returncode == 1 and "--skip-queued" in refused.stderr
        again = run_script("scripts/submit-array", str(run_dir), "--skip-queued", env=slow)
        assert again.returncode == 0, again.stderr
        assert "nothing to submit (0 done, 3 queued or running, of 3)" in again.stdout
    finally:
        subprocess.run(["scancel", *job_ids], env={**os.environ, **cluster}, timeout=30)
    _wait_gone(job_ids, cluster)
    # Cancelled, so nothing is queued any more: the missing ones go again.
    fast = run_script(
        "scripts/submit-array",
        str(run_dir),
        "--skip-queued",
        "--barnacle",
        str(stand_in),
        env=cluster,
    )
    assert "submitted 3 tasks in 1 arrays" in fast.stdout, fast.stdout + fast.stderr
    _wait_gone(_submitted_ids(fast.stdout), cluster)
    assert len(list((run_dir / "ocr").glob("*.jsonl"))) == 3
