"""`barnacle view` and `make view` as commands: bad input in one line without a traceback,
serving until interrupted, stopping cleanly on SIGTERM."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from support.paths import REPO
from support.view_runs import get

pytest_plugins = ["support.view_fixtures"]  # the fixture `view_run`


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _view_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "barnacle", "view", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _one_clear_line(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_bad_input_one_line_no_traceback(view_run, tmp_path: Path) -> None:
    run_dir, facts = view_run
    _one_clear_line(_view_cli(str(tmp_path / "nope")), "no such run folder")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        _one_clear_line(_view_cli(str(run_dir), f"--port={port}"), "in use", str(port))
    path = run_dir / "ocr" / f"{facts['sha1'][1]}.jsonl"
    with path.open("a") as handle:
        handle.write('{"canvas_index": 3, "text": "torn')
    done = _view_cli(str(run_dir), f"--port={_free_port()}")
    _one_clear_line(done, path.name, ":4:", "torn")


def _start(command: list[str]) -> subprocess.Popen[str]:
    """A view server started by `command` in the repository, output captured."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    pipe = subprocess.PIPE
    return subprocess.Popen(command, cwd=REPO, stdout=pipe, stderr=pipe, text=True, env=env)


def _first_search(process: subprocess.Popen[str], port: int) -> int:
    """The status of the first search the view started by `process` answers (it is polled
    until it listens; a view that exits or never listens fails the test)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            status, _ = get(f"http://127.0.0.1:{port}/search?q=common")
            return status
        except OSError:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the view did not start"
            time.sleep(0.2)


def test_make_view_serves_until_interrupted(view_run) -> None:
    run_dir, _ = view_run
    port = _free_port()
    process = _start(
        [
            "make",
            "--no-print-directory",
            "-o",
            ".venv/.barnacle-installed",
            "view",
            f"RUNS_DIR={run_dir.parent}",
            f"RUN={run_dir.name}",
            f"VIEW_PORT={port}",
        ]
    )
    try:
        assert _first_search(process, port) == 200
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_sigterm_stops_the_view_cleanly(view_run) -> None:
    """SIGTERM (kill, make stopping a job) ends `barnacle view` as Ctrl-C does: exit 0, the
    port free again (barnacle.serving.serve_until_stopped)."""
    run_dir, _ = view_run
    port = _free_port()
    process = _start([sys.executable, "-m", "barnacle", "view", str(run_dir), f"--port={port}"])
    try:
        assert _first_search(process, port) == 200
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as HTTP servers bind
        sock.bind(("127.0.0.1", port))  # nothing listens there any more
