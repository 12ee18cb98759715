"""Crash anywhere: workers killed with SIGKILL dozens of times, at seeded random moments and at
moments picked from what they are seen doing (downloading, OCRing, appending a record,
taking the lock, renaming the output). After every kill the files must be consistent, and
after one last clean run every manifest is complete with every page exactly once, every line
whole, no lock or temporary file left, and only whole images in the cache.

The workers are forked from a warm zygote (tests/support/worker_zygote.py), so a kill costs a
second, not the seconds `barnacle ocr` needs to import torch and load models; one kill hits a
real `barnacle ocr` process too. Pages are blank strips that Kraken reads in a fraction of a
second, served slowly (`trickle`) so downloads are long enough to be caught in the middle.
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
from barnacle.worker.lock import ManifestLock, lock_path
from barnacle.worker.output_files import part_path

from support.fast_pages import image_path, page_names, serve_fast_book
from support.output_checks import assert_complete, whole_records
from support.paths import REPO
from support.scripted_server import ScriptedServer

SEED = 6_2026
BOOKS = 3
PAGES = 4
KILLS = 36
PADDING = 200_000  # bytes per image, like a small scan
TRICKLE = 0.25  # seconds per image download
PHASES = ("download", "ocr", "append", "lock", "finish", "anytime")
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

    def start(self, url: str, out: Path, cache: Path) -> int:
        assert self.process.stdin is not None
        job = {"url": url, "out": str(out), "cache_dir": str(cache)}
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
    condition: Callable[[], bool], running: Callable[[], bool], timeout: float = 20.0
) -> bool:
    """Poll `condition` until it holds (True) or the worker ends or time runs out (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if not running():
            return False
        time.sleep(0.002)
    return False


def _temps(cache: Path) -> set[Path]:
    """Images being downloaded (temporary files of the cache)."""
    return set(cache.rglob(".*.img.*.part"))


def _images(cache: Path) -> int:
    return sum(1 for _ in cache.rglob("*.img"))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return -1


def _newlines(out: Path) -> int:
    for path in (out, part_path(out)):
        try:
            return path.read_bytes().count(b"\n")
        except FileNotFoundError:
            continue
    return 0


def _trigger(phase: str, out: Path, cache: Path, rng: random.Random) -> Callable[[], bool]:
    """The moment to kill at, from what the worker is seen doing."""
    images, size, temps = _images(cache), _size(part_path(out)), _temps(cache)
    if phase == "download":
        return lambda: bool(_temps(cache) - temps)
    if phase == "ocr":
        return lambda: _images(cache) > images
    if phase == "append":
        return lambda: _size(part_path(out)) > max(size, 0)
    if phase == "lock":
        return lambda: lock_path(out).exists()
    if phase == "finish":  # all pages written: the rename is a moment away, or just done
        jitter = rng.choice((0.0, 0.0, 0.001, 0.003))
        done: list[float] = []

        def finishing() -> bool:
            if not done and _newlines(out) >= PAGES:
                done.append(time.monotonic())
            return bool(done) and time.monotonic() >= done[0] + jitter

        return finishing
    moment = time.monotonic() + rng.uniform(0.0, 2.5)
    return lambda: time.monotonic() >= moment


def _reopen(out: Path, cache: ImageCache, server: ScriptedServer, book: str) -> None:
    """Make a complete manifest to do again, downloads included (more moments to kill)."""
    out.unlink()
    for page in page_names(book, PAGES):
        path = cache.get(server.url(image_path(page)))
        if path is not None:
            path.unlink()


def _kill_cli_while_downloading(url: str, out: Path, cache: Path) -> None:
    """The real `barnacle ocr`, killed with an image half downloaded."""
    command = [sys.executable, "-m", "barnacle", "ocr", url, "--out", str(out), "--cache-dir",
               str(cache), "--workers", "1", "--no-progress", "--retries", "1"]  # fmt: skip
    worker = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        caught = _wait_until(lambda: bool(_temps(cache)), lambda: worker.poll() is None, 120.0)
        assert caught, worker.stderr.read().decode() if worker.stderr else "worker ended"
        time.sleep(TRICKLE / 3)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()


@pytest.mark.slow
def test_workers_killed_anywhere_then_one_clean_run_completes_everything(
    server: ScriptedServer, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    books = [f"book{number}" for number in range(BOOKS)]
    urls = [serve_fast_book(server, b, PAGES, padding=PADDING, trickle=TRICKLE) for b in books]
    outs = [tmp_path / "ocr" / f"{book}.jsonl" for book in books]
    cache_dir = tmp_path / "cache"
    cache = ImageCache(cache_dir)

    _kill_cli_while_downloading(urls[0], outs[0], cache_dir)
    seen = _check_consistent(outs, cache_dir)
    assert seen["temporary file in the cache"] >= 1  # the half download, never an image

    zygote = Zygote(tmp_path / "zygote.log")
    phases: Counter[str] = Counter()
    plan = [PHASES[kill % len(PHASES)] for kill in range(KILLS)]
    rng.shuffle(plan)
    try:
        for kill, phase in enumerate(plan):
            which = kill % BOOKS
            if outs[which].exists():
                _reopen(outs[which], cache, server, books[which])
            pid = zygote.start(urls[which], outs[which], cache_dir)
            fire = _trigger(phase, outs[which], cache_dir, rng)
            if _wait_until(fire, lambda pid=pid: pid not in zygote.ended):
                os.kill(pid, signal.SIGKILL)
            code = zygote.wait(pid)
            assert code in (0, -signal.SIGKILL), (phase, code, zygote.log_text())
            phases[phase if code < 0 else "ran to the end"] += 1
            seen += _check_consistent(outs, cache_dir)
        for url, out in zip(urls, outs, strict=True):
            pid = zygote.start(url, out, cache_dir)
            assert zygote.wait(pid) == 0, zygote.log_text()
    finally:
        zygote.close()
    print(f"\nkills by phase: {dict(phases)}\nstates seen after kills: {dict(seen)}")

    assert sum(phases.values()) - phases["ran to the end"] >= KILLS // 2
    assert seen["temporary file in the cache"]  # downloads were cut, never cached half
    assert seen["killed before the rename"] + seen["killed after the rename"]
    for out in outs:
        assert_complete(out, PAGES)
    assert sorted(p.name for p in outs[0].parent.iterdir()) == sorted(o.name for o in outs)
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
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
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
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
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
