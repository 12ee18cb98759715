"""A page process that dies (SIGKILL, as the out-of-memory killer sends) leaves an error record
naming the page and the signal, and the manifest exits 3 ("errors in OUT.errors.jsonl")."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from barnacle.pause_points import PAUSE_AT_ENV, PAUSE_DIR_ENV
from barnacle.run_folder import errors_of, part_of
from barnacle.worker import WorkerOptions, process_manifest

from support.fast_pages import serve_fast_book
from support.scripted_server import ScriptedServer


def _kill_first_to_reach(folder: Path, killed: list[int]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        reached = sorted(folder.glob("ocr.*.reached"))
        if reached:
            pid = int(reached[0].read_text())
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
            return
        time.sleep(0.01)


@pytest.mark.slow
def test_a_killed_page_process_is_an_error_record(
    server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = serve_fast_book(server, "oom", 3)
    out = tmp_path / "ocr" / "oom.jsonl"
    pauses = tmp_path / "pauses"
    pauses.mkdir()
    monkeypatch.setenv(PAUSE_AT_ENV, "ocr:1")  # each page process holds at its first page
    monkeypatch.setenv(PAUSE_DIR_ENV, str(pauses))
    killed: list[int] = []
    killer = threading.Thread(target=_kill_first_to_reach, args=(pauses, killed), daemon=True)
    killer.start()
    options = WorkerOptions(cache_dir=tmp_path / "cache", page_processes=2, progress=False)
    result = process_manifest(url, out, options)
    killer.join(timeout=5)
    assert killed, "no page process reached the OCR"
    assert (result.status, result.exit_code) == ("page_errors", 3)
    assert not out.exists() and not part_of(out).read_bytes()
    errors = [json.loads(line) for line in errors_of(out).read_text().splitlines()]
    assert errors and all(e["kind"] == "page_process_died" for e in errors)
    for error in errors:
        assert f"canvas {error['canvas_index']}" in error["message"]
        assert f"(pid {killed[0]}) was killed by signal 9 (SIGKILL)" in error["message"]
    assert {e["canvas_index"] for e in errors} <= {0, 1, 2}
