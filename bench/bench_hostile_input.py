"""Hostile-input benchmark: how long the worker and the listing take to give up on, or get
through, the hostile inputs of tests/test_hostile_input.py (which asserts only that they end,
and how): `barnacle ocr` on URLs that are not http(s) or lead nowhere, the worker against a
server that accepts and never answers (read timeout 1 s), a book with a decompression-bomb
page, and a manifest of 100,000 canvases (planned with --max-pages 2, then listed by
fetch-collection), with the memory that planning it grows; and a 5-canvas book whose image
host is a closed port, worker and `barnacle pages`, with the circuit breaker off (as before it
existed: every request runs the whole retry schedule, about 31 s) and on, at the default HTTP
settings.

    .venv/bin/python bench/bench_hostile_input.py [--canvases 100000] [--dead-host-only]

The servers are the tests' own (tests/support), on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from figures import stopwatch  # noqa: E402

from barnacle.defaults import BREAKER_FAILURES  # noqa: E402
from barnacle.http_client import HttpSettings, get_session  # noqa: E402
from barnacle.images.info import clear_info_memo  # noqa: E402
from barnacle.worker import WorkerOptions, process_manifest  # noqa: E402

from support.dead_hosts import closed_port, serve_dead_host_book  # noqa: E402
from support.hostile_documents import (  # noqa: E402
    PLAN_PROBE,
    serve_bomb_book,
    serve_huge_manifest,
    tcp_server,
)
from support.scripted_server import scripted_server  # noqa: E402


def _command(
    args: list[str], timeout: float = 600, env: dict[str, str] | None = None
) -> tuple[int, float]:
    """(exit code, wall-clock seconds) of `python ARGS` in the repository."""
    with stopwatch() as timing:
        done = subprocess.run(
            [sys.executable, *args],
            cwd=REPO,
            capture_output=True,
            timeout=timeout,
            env={**os.environ, **(env or {})},
        )
    return done.returncode, timing.wall_s


def refused_targets(work: Path) -> None:
    """`barnacle ocr` on each target it must refuse or fail on, one process each."""
    with tcp_server(b"SSH-2.0-OpenSSH_9.6\r\n") as garbage:
        targets = {
            "file:// URL": "file:///etc/passwd",
            "ftp:// URL": "ftp://ftp.example.org/m.json",
            "closed port": f"http://127.0.0.1:{closed_port()}/m.json",
            "SSH banner, not HTTP": f"http://127.0.0.1:{garbage}/m.json",
        }
        for name, url in targets.items():
            out = work / "refused" / f"{len(name)}.jsonl"
            ocr = ["-m", "barnacle", "ocr", url, "--out", str(out), "--retries", "0"]
            code, seconds = _command([*ocr, "--cache-dir", str(work / "cache")])
            print(f"barnacle ocr, {name:<22} exit {code}  {seconds:6.2f} s")


def silent_server(work: Path) -> None:
    """The worker in this process against a port that accepts and never answers."""
    get_session(HttpSettings(retries=0, connect_timeout=1, read_timeout=1))
    options = WorkerOptions(cache_dir=work / "cache", page_processes=1, progress=False)
    with tcp_server(None) as silent, stopwatch() as timing:
        result = process_manifest(f"http://127.0.0.1:{silent}/m.json", work / "s.jsonl", options)
    get_session(HttpSettings())
    print(
        f"worker, server that never answers (read timeout 1 s): exit {result.exit_code}  "
        f"{timing.wall_s:6.2f} s"
    )


def bomb_book(work: Path) -> None:
    """The worker in this process on two pages, the second a decompression bomb."""
    options = WorkerOptions(cache_dir=work / "cache", page_processes=1, progress=False)
    with scripted_server() as server:
        url = serve_bomb_book(server)
        with stopwatch() as timing:
            result = process_manifest(url, work / "bomb.jsonl", options)
    print(
        f"worker, book with a decompression bomb: {result.status}, "
        f"{result.pages_done} page done, {result.pages_failed} refused  "
        f"{timing.wall_s:6.2f} s (one page process started, one strip OCRed)"
    )


def huge_manifest(work: Path, canvases: int) -> None:
    """Planning (in a process of its own, model loaded first) and listing the manifest."""
    with scripted_server() as server:
        document = serve_huge_manifest(server, canvases)
        url = server.url("/big.json")
        size = f"{canvases:,} canvases, {len(document) / 1e6:.0f} MB"
        probe = subprocess.run(
            [sys.executable, "-c", PLAN_PROBE, url, str(work / "big.jsonl"), str(work / "c")],
            capture_output=True,
            text=True,
            timeout=900,
            check=True,
        )
        figures = json.loads(probe.stdout)
        print(
            f"worker, {size}, --max-pages 2: exit {figures['exit']}  "
            f"{figures['seconds']:6.2f} s, memory grown {figures['grown_mb']:.0f} MB"
        )
        listing = [str(REPO / "scripts" / "fetch-collection"), url, str(work / "s.json")]
        code, seconds = _command(listing)
        print(f"fetch-collection, {size}: exit {code}  {seconds:6.2f} s")


def dead_image_host(work: Path) -> None:
    """A 5-canvas book whose images and info.json are on a closed port, at the default HTTP
    settings (5 retries, backoff from 1 s): the worker in this process and `barnacle pages`,
    with the circuit breaker off (as before) and on (the defaults)."""
    options = WorkerOptions(cache_dir=work / "cache", page_processes=1, progress=False)
    with scripted_server() as server:
        url = serve_dead_host_book(server, "dead", 5, f"http://127.0.0.1:{closed_port()}")
        for failures, name in ((0, "off (before)"), (BREAKER_FAILURES, "on")):
            get_session(HttpSettings(breaker_failures=failures))
            clear_info_memo()
            with stopwatch() as timing:
                result = process_manifest(url, work / f"dead{failures}.jsonl", options)
            print(
                f"worker, 5 pages, image host a closed port, breaker {name:<12}: "
                f"{result.status}, {result.pages_failed} pages failed  {timing.wall_s:6.2f} s"
            )
            env = {"BARNACLE_BREAKER_FAILURES": str(failures)}
            code, seconds = _command(["-m", "barnacle", "pages", url], env=env)
            print(
                f"barnacle pages, same book,        breaker {name:<12}: exit {code}  "
                f"{seconds:6.2f} s"
            )
    get_session(HttpSettings())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--canvases", type=int, default=100_000)
    parser.add_argument("--dead-host-only", action="store_true", help="only the dead host")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        work = Path(tmp)
        dead_image_host(work)
        if args.dead_host_only:
            return
        refused_targets(work)
        silent_server(work)
        bomb_book(work)
        huge_manifest(work, args.canvases)


if __name__ == "__main__":
    main()
