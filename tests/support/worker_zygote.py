"""A worker zygote for crash tests: loads Kraken once, then forks one worker per job.

Starting `barnacle ocr` costs seconds (torch, kraken, the models) before any page is touched,
so a test that kills workers dozens of times forks them from this warm process instead: each
child is a whole worker process (its own pid, lock, HTTP session and fetch threads) running
`process_manifest`, and SIGKILL ends it exactly as it would end `barnacle ocr`.

Protocol, one line each way per event:
    stdin   {"url": ..., "out": ..., "cache_dir": ..., "env": {...}}  a job (env: optional,
            set in the child: BARNACLE_TEST_PAUSE_AT, say)
    stdout  ready | started <pid> | ended <pid> <code>     code < 0: killed by signal -code
EOF on stdin ends the zygote. Children write nothing to stdout; their logs go to stderr.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

from PIL import Image

from barnacle.http_client import HttpSettings, get_session
from barnacle.model_files.resolve import resolve_model
from barnacle.worker import WorkerOptions, page_process, process_manifest

CRASHED = 70  # a child that raised: the test shows its stderr


def _child(job: dict) -> int:
    os.environ.update(job.get("env") or {})
    get_session(HttpSettings(retries=2, backoff=0.01, read_timeout=5, connect_timeout=2))
    options = WorkerOptions(cache_dir=Path(job["cache_dir"]), page_processes=1, progress=False)
    return process_manifest(job["url"], Path(job["out"]), options).exit_code


def _run_child(job: dict) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        code = _child(job)
    except BaseException:  # noqa: BLE001 - reported, and the exit code tells the test
        traceback.print_exc()
        code = CRASHED
    sys.stderr.flush()
    os._exit(code)


def main() -> None:
    _, model = resolve_model(None)
    page_process.init_engine(str(model), "cpu", 1, None, child=False)
    page_process._engine.ocr(Image.new("L", (8, 400), 255))  # warm: first-call costs paid here
    print("ready", flush=True)
    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _run_child(job)
        print(f"started {pid}", flush=True)
        _, status = os.waitpid(pid, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        print(f"ended {pid} {code}", flush=True)


if __name__ == "__main__":
    main()
