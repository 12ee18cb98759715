"""One worker per manifest: a lock file next to the output, released on exit.

The lock holds host, pid and start time, and its mtime is refreshed while the worker runs
(a heartbeat). A lock is stale, and taken over, when its process is gone (same host) or its
heartbeat is older than `stale_after` seconds (another host that died without cleaning up).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path
from types import TracebackType

HEARTBEAT_S = 30.0
STALE_AFTER_S = 600.0


class LockedError(RuntimeError):
    """Another live worker holds the manifest."""


def lock_path(out: Path) -> Path:
    return out.with_name(out.name + ".lock")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


def lock_is_stale(path: Path, stale_after: float) -> tuple[bool, str]:
    try:
        info = json.loads(path.read_text())
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return True, "gone"
    except (OSError, ValueError):
        # Unreadable: a lock torn by a crash while being written, or garbage.
        try:
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError:
            return True, "gone"
        return age > 5.0, "unreadable"
    holder = f"pid {info.get('pid')} on {info.get('host')}"
    if info.get("host") == socket.gethostname() and isinstance(info.get("pid"), int):
        if not _pid_alive(info["pid"]):
            return True, f"{holder} is gone"
    if age > stale_after:
        return True, f"{holder} has not been heard from for {age:.0f} s"
    return False, holder


class ManifestLock:
    def __init__(self, out: Path, stale_after: float = STALE_AFTER_S) -> None:
        self.path = lock_path(out)
        self.stale_after = stale_after
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.took_over: str | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps(
            {"host": socket.gethostname(), "pid": os.getpid(), "started": time.time()}
        ).encode()
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                inode = _inode(self.path)
                stale, holder = lock_is_stale(self.path, self.stale_after)
                if not stale:
                    raise LockedError(
                        f"{self.path} is held by {holder}; another worker is on this manifest"
                    ) from None
                self.took_over = holder
                # Rename first so two workers cannot both remove and recreate the lock.
                grave = self.path.with_name(f"{self.path.name}.stale.{os.getpid()}")
                if _inode(self.path) != inode:
                    continue  # someone else replaced it meanwhile: look again
                try:
                    os.replace(self.path, grave)
                    grave.unlink(missing_ok=True)
                except FileNotFoundError:
                    pass
                continue
            with os.fdopen(fd, "wb") as handle:
                handle.write(body)
            self._thread = threading.Thread(target=self._beat, daemon=True)
            self._thread.start()
            return
        raise LockedError(f"{self.path}: could not take the lock; try again")

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            try:
                os.utime(self.path)
            except OSError:
                return

    def release(self) -> None:
        self._stop.set()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> ManifestLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
