"""The manifest lock under races: two workers taking over one stale lock at once, many rounds,
and a worker releasing after another took its lock over. Each worker removes only the lock file
it judged (inode and body), so exactly one of them holds the lock."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import socket
import subprocess
import time
import types
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

from barnacle.run_folder import lock_of
from barnacle.worker import lock as lock_module
from barnacle.worker.lock import LockedError, ManifestLock, pid_namespace

ROUNDS = 150


def _dead_pid() -> int:
    done = subprocess.run(["sh", "-c", "echo $$"], capture_output=True, text=True, check=True)
    return int(done.stdout)


def _stale_body(pid: int) -> str:
    return json.dumps(
        {"host": socket.gethostname(), "pid": pid, "pidns": pid_namespace(), "started": 0}
    )


def _jittery_os(seed: int) -> Any:
    """`os` for the lock module, whose renames first wait 0-2 ms: the windows between judging
    a lock and replacing it are wide, as on a loaded node or a slow shared file system."""
    rng = random.Random(seed)

    def slow(call: Any) -> Any:
        def wrapped(*args: Any, **kw: Any) -> Any:
            time.sleep(rng.random() * 0.002)
            return call(*args, **kw)

        return wrapped

    return types.SimpleNamespace(
        **{**vars(os), "rename": slow(os.rename), "replace": slow(os.replace)}
    )


def _racer(out: Path, number: int, barrier: Barrier, results: Any) -> None:
    lock_module.os = _jittery_os(number)
    for round_number in range(ROUNDS):
        barrier.wait()  # a stale lock is in place
        lock = ManifestLock(out)
        try:
            lock.acquire()
            won = True
        except LockedError:
            won = False
        results.put((round_number, os.getpid(), won, lock.took_over))
        barrier.wait()  # both have tried: the test looks at the lock file
        barrier.wait()
        if won:
            lock.release()
        barrier.wait()  # released


def test_two_workers_racing_for_one_stale_lock(tmp_path: Path) -> None:
    out = tmp_path / "book.jsonl"
    dead = _dead_pid()
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(3, timeout=30)
    results = context.Queue()
    racers = [
        context.Process(target=_racer, args=(out, number, barrier, results), daemon=True)
        for number in range(2)
    ]
    for racer in racers:
        racer.start()
    try:
        for round_number in range(ROUNDS):
            lock_of(out).write_text(_stale_body(dead))
            barrier.wait()
            barrier.wait()
            tries = [results.get(timeout=30) for _ in range(2)]
            assert {t[0] for t in tries} == {round_number}
            winners = [t for t in tries if t[2]]
            assert len(winners) == 1, f"round {round_number}: {tries}"
            assert any(t[3] and "is gone" in t[3] for t in tries)  # one of them took it over
            holder = json.loads(lock_of(out).read_text())
            assert holder["pid"] == winners[0][1], f"round {round_number}: {tries}, {holder}"
            barrier.wait()
            barrier.wait()
            assert not lock_of(out).exists(), f"round {round_number}: the winner released"
        assert sorted(p.name for p in tmp_path.iterdir()) == []  # no temporary file left
    finally:
        for racer in racers:
            racer.join(timeout=10)
            if racer.is_alive():
                racer.kill()
    assert all(racer.exitcode == 0 for racer in racers)


def test_release_leaves_a_lock_another_worker_took_over(tmp_path: Path) -> None:
    out = tmp_path / "book.jsonl"
    first = ManifestLock(out)
    first.acquire()
    assert first.holds()
    # Judged stale (a heartbeat lost on a slow shared file system, say) and taken over.
    other = tmp_path / "other"
    other.write_text(_stale_body(os.getppid()))
    os.replace(other, lock_of(out))
    assert not first.holds()
    first.release()
    assert json.loads(lock_of(out).read_text())["pid"] == os.getppid()
    # The same body in a new file (inode numbers are reused at once) is not this worker's either.
    second = ManifestLock(out, stale_after=0.0)
    os.utime(lock_of(out), (0, 0))
    second.acquire()
    mine = lock_of(out).read_bytes()
    lock_of(out).unlink()
    lock_of(out).write_bytes(mine.replace(b'"token": "', b'"token": "0'))
    second.release()
    assert lock_of(out).exists()
