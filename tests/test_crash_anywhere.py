"""Crash anywhere: workers killed with SIGKILL at every phase of their work, every run: with an
image half downloaded, while taking the lock, with half a record line written, while OCRing a
page, with every record written but the output not yet renamed, and after the rename with the
lock still held. Each kill lands where it is meant to: the worker holds at a named pause point
(barnacle/pause_points.py, on only under BARNACLE_TEST_PAUSE_AT) until it is killed there, so
no kill depends on the clock. After every kill the files must be consistent, and after one
last clean run every manifest is complete with every page exactly once, every line whole, no
lock or temporary file left, and only whole images in the cache.

The workers are forked from a warm zygote (tests/support/worker_zygote.py), so a kill costs a
second, not the seconds `barnacle ocr` needs to import torch and load models; one kill hits a
real `barnacle ocr` process too.
"""

from __future__ import annotations

import json
import os
import queue
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from barnacle.images import ImageCache
from barnacle.images.cache import STALE_TEMP_S
from barnacle.oserrors import owner_tag, pid_namespace
from barnacle.pause_points import PAUSE_AT_ENV, PAUSE_DIR_ENV
from barnacle.run.manifest_stats import stats_path
from barnacle.worker.lock import ManifestLock, lock_path
from barnacle.worker.output_files import part_path

from support.cli import ocr_command
from support.fast_pages import image_path, page_names, serve_fast_book
from support.output_checks import assert_complete, whole_records
from support.paths import REPO
from support.scripted_server import ScriptedServer

SEED = 6_2026
BOOKS = 3
PAGES = 4
KILLS_PER_PHASE = 3
PADDING = 200_000  # bytes per image, like a small scan
TRICKLE = 0.05  # seconds per image download
PHASES = ("download", "lock", "append", "ocr", "rename", "finish")
PER_PAGE = ("download", "append", "ocr")  # reached once per page still to do
ZYGOTE = REPO / "tests" / "support" / "worker_zygote.py"
WAIT_S = 60.0


class Zygote:
    """The warm process that forks workers; see tests/support/worker_zygote.py."""

    def __init__(self, log: Path) -> None:
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, str(ZYGOTE)],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        self._lines: queue.Queue[str] = queue.Queue()
        self.ended: dict[int, int] = {}
        threading.Thread(target=self._read, daemon=True).start()

    def wait_ready(self) -> None:
        self._expect("ready", 180.0)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            words = line.split()
            if words[:1] == ["ended"]:
                self.ended[int(words[1])] = int(words[2])
            self._lines.put(line.strip())

    def _expect(self, word: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"zygote: no {word!r} in {timeout} s") from None
            if line.startswith(word):
                return line

    def start(self, url: str, out: Path, cache: Path, env: dict[str, str] | None = None) -> int:
        assert self.process.stdin is not None
        job = {"url": url, "out": str(out), "cache_dir": str(cache), "env": env or {}}
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        return int(self._expect("started", 30.0).split()[1])

    def wait(self, pid: int, timeout: float = WAIT_S) -> int:
        self._expect(f"ended {pid}", timeout)
        return self.ended[pid]

    def log_text(self) -> str:
        self._log.flush()
        return Path(self._log.name).read_text(errors="replace")[-5000:]

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)
        self._log.close()


def _lines(path: Path) -> list[bytes]:
    try:
        return path.read_bytes().split(b"\n")
    except FileNotFoundError:
        return []


def _check_consistent(outs: list[Path], cache: Path) -> Counter[str]:
    """What a crash may leave, and nothing worse. Returns what it saw."""
    seen: Counter[str] = Counter()
    for out in outs:
        if out.exists():
            keys = [r["page_key"] for r in whole_records(out)]
            assert len(keys) == len(set(keys)) == PAGES, out
            seen["complete"] += 1
            if lock_path(out).exists():
                seen["killed after the rename"] += 1
        lines = _lines(part_path(out))
        if lines:
            if lines[-1]:
                seen["torn last line"] += 1  # a killed append: redone on the next run
            keys = [json.loads(line)["page_key"] for line in lines[:-1]]
            assert len(keys) == len(set(keys)), f"a page twice in {part_path(out)}"
            if len(keys) == PAGES and not out.exists():
                seen["killed before the rename"] += 1
    for path in cache.rglob("*"):
        if path.is_dir():
            continue
        if path.name.startswith("."):
            assert path.name.endswith(".part"), f"unexpected file in the cache: {path}"
            seen["temporary file in the cache"] += 1
        elif path.suffix == ".img":
            with Image.open(path) as image:
                image.load()  # a partial image would fail here
        else:
            json.loads(path.read_bytes())
    return seen


def _wait_until(
    condition: Callable[[], bool], running: Callable[[], bool], timeout: float = WAIT_S
) -> bool:
    """Poll `condition` until it holds (True) or the worker ends or time runs out (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if not running():
            return False
        time.sleep(0.005)
    return False


def _temps(cache: Path) -> set[Path]:
    """Images being downloaded (temporary files of the cache)."""
    return set(cache.rglob(".*.img.*.part"))


def _images(cache: Path) -> int:
    return sum(1 for _ in cache.rglob("*.img"))


def _pages_done(out: Path) -> int:
    """Whole record lines in `<out>.part` (a torn last line has no newline yet)."""
    return max(0, len(_lines(part_path(out))) - 1)


def _forget_images(cache: ImageCache, server: ScriptedServer, book: str) -> None:
    for page in page_names(book, PAGES):
        path = cache.get(server.url(image_path(page)))
        if path is not None:
            path.unlink()


def _prepare(phase: str, out: Path, cache: ImageCache, server: ScriptedServer, book: str) -> int:
    """Make sure the worker will reach `phase`; returns how many pages it has to do."""
    if out.exists():  # complete: do it again, downloads included
        out.unlink()
        part_path(out).unlink(missing_ok=True)
        _forget_images(cache, server, book)
    todo = PAGES - _pages_done(out)
    if phase in PER_PAGE and todo == 0:  # killed before the rename: start the book over
        part_path(out).unlink()
        todo = PAGES
    if phase == "download":
        _forget_images(cache, server, book)
    return todo


def _assert_killed_at(phase: str, out: Path, cache_dir: Path, pages_before: int) -> None:
    """What the files show of a kill at `phase`."""
    lines = _lines(part_path(out))
    if phase == "download":
        assert _temps(cache_dir), "an image half downloaded"
    elif phase == "lock":
        lock = lock_path(out)  # a dead worker's lock may be there: this one was taking over
        assert list(out.parent.glob(f".{lock.name}.*.tmp")), "a lock body not linked in place"
    elif phase == "append":
        assert lines and lines[-1], "a torn last line"
    elif phase == "ocr":
        assert _pages_done(out) < PAGES and not out.exists()
    elif phase == "rename":
        assert _pages_done(out) == PAGES and not out.exists()
    elif phase == "finish":
        assert out.exists() and lock_path(out).exists() and not part_path(out).exists()
    assert _pages_done(out) >= min(pages_before, PAGES) or out.exists()


def _kill_cli_while_downloading(url: str, out: Path, cache: Path, pauses: Path) -> None:
    """The real `barnacle ocr`, killed with an image half downloaded."""
    command = ocr_command(url, out, cache, "--retries", "1")
    env = {**os.environ, PAUSE_AT_ENV: "download:2", PAUSE_DIR_ENV: str(pauses)}
    worker = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    try:
        reached = pauses / f"download.{worker.pid}.reached"
        caught = _wait_until(reached.exists, lambda: worker.poll() is None, 120.0)
        assert caught, worker.stderr.read().decode() if worker.stderr else "worker ended"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    assert worker.returncode == -signal.SIGKILL


@pytest.mark.slow
def test_workers_killed_at_every_phase_then_one_clean_run_completes_everything(
    server: ScriptedServer, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    books = [f"book{number}" for number in range(BOOKS)]
    urls = [serve_fast_book(server, b, PAGES, padding=PADDING, trickle=TRICKLE) for b in books]
    outs = [tmp_path / "ocr" / f"{book}.jsonl" for book in books]
    cache_dir = tmp_path / "cache"
    cache = ImageCache(cache_dir)

    zygote = Zygote(tmp_path / "zygote.log")  # warms up while the CLI is killed
    phases: Counter[str] = Counter()
    plan = [phase for phase in PHASES for _ in range(KILLS_PER_PHASE)]
    rng.shuffle(plan)
    try:
        _kill_cli_while_downloading(urls[0], outs[0], cache_dir, tmp_path / "pauses")
        seen = _check_consistent(outs, cache_dir)
        assert seen["temporary file in the cache"] >= 1  # the half download, never an image
        zygote.wait_ready()
        for kill, phase in enumerate(plan):
            which = kill % BOOKS
            todo = _prepare(phase, outs[which], cache, server, books[which])
            nth = rng.randint(1, todo) if phase in PER_PAGE else 1
            pauses = tmp_path / "pauses" / str(kill)
            pauses.mkdir(parents=True)
            env = {PAUSE_AT_ENV: f"{phase}:{nth}", PAUSE_DIR_ENV: str(pauses)}
            before = _pages_done(outs[which])
            pid = zygote.start(urls[which], outs[which], cache_dir, env)
            reached = pauses / f"{phase}.{pid}.reached"
            held = _wait_until(reached.exists, lambda pid=pid: pid not in zygote.ended)
            assert held, (phase, nth, zygote.log_text())
            os.kill(pid, signal.SIGKILL)
            assert zygote.wait(pid) == -signal.SIGKILL, (phase, zygote.log_text())
            phases[phase] += 1
            _assert_killed_at(phase, outs[which], cache_dir, before)
            seen += _check_consistent(outs, cache_dir)
        for url, out in zip(urls, outs, strict=True):
            pid = zygote.start(url, out, cache_dir)
            assert zygote.wait(pid) == 0, zygote.log_text()
    finally:
        zygote.close()
    print(f"\nkills by phase: {dict(phases)}\nstates seen after kills: {dict(seen)}")

    assert phases == Counter({phase: KILLS_PER_PHASE for phase in PHASES})
    assert seen["temporary file in the cache"]  # downloads were cut, never cached half
    assert seen["killed before the rename"] and seen["killed after the rename"]
    assert seen["torn last line"]
    for out in outs:
        assert_complete(out, PAGES)
    expected = sorted([o.name for o in outs] + [stats_path(o).name for o in outs])
    assert sorted(p.name for p in outs[0].parent.iterdir()) == expected
    final = _check_consistent(outs, cache_dir)
    assert final == Counter(complete=BOOKS), final  # no temporary file left in the cache
    assert _images(cache_dir) == BOOKS * PAGES


def test_next_download_removes_temporary_files_of_dead_writers(tmp_path: Path) -> None:
    """A download killed mid-way leaves its temporary file; the next download of the same
    URL removes it when its writer is gone (this host), or silent for long (any host)."""
    cache = ImageCache(tmp_path / "cache")
    url = "https://example.org/iiif/p1/full/max/0/default.jpg"
    final = cache.path_for(url)
    final.parent.mkdir(parents=True)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    here = f"{pid_namespace()}@{socket.gethostname()}"
    temps = {
        "dead writer here": f"{dead.stdout.strip()}@{here}",
        "live writer here": owner_tag(),
        "writer elsewhere": "4242@1@another-node",
        "silent elsewhere": "4243@1@another-node",
        "other URL, dead": f"{dead.stdout.strip()}@{here}",
    }
    paths = {}
    for what, owner in temps.items():
        name = final.name if what != "other URL, dead" else "0" * 64 + ".img"
        paths[what] = final.parent / f".{name}.{what[:4]}.{owner}.part"
        paths[what].write_bytes(b"half an image")
    old = time.time() - STALE_TEMP_S - 60
    os.utime(paths["silent elsewhere"], (old, old))
    cache.put_bytes(url, b"a whole image", lambda path: None)
    left = {what for what, path in paths.items() if path.exists()}
    assert left == {"live writer here", "writer elsewhere", "other URL, dead"}
    assert final.read_bytes() == b"a whole image"


def test_taking_a_lock_removes_what_killed_lock_takers_left(tmp_path: Path) -> None:
    """A worker killed while taking the lock (between writing the lock's body and linking it
    into place) leaves a temporary file; the next worker to take the lock removes it."""
    out = tmp_path / "m.jsonl"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    here = f"{pid_namespace()}@{socket.gethostname()}"
    lock = lock_path(out)
    dead_temp = lock.with_name(f".{lock.name}.0a0a0a0a.{dead.stdout.strip()}@{here}.tmp")
    live_temp = lock.with_name(f".{lock.name}.0b0b0b0b.{owner_tag()}.tmp")
    for temp in (dead_temp, live_temp):
        temp.write_text('{"host": "half written"}')
    with ManifestLock(out):
        assert json.loads(lock.read_text())["pid"] == os.getpid()
        assert not dead_temp.exists() and live_temp.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [live_temp.name]
