"""One worker per manifest: a lock file next to the output, released on exit.

The lock holds host, pid, PID namespace and start time, and its mtime is refreshed while the
worker runs (a heartbeat). A lock is stale, and taken over, when its process is gone (same host
and same PID namespace: a pid seen from inside another container means nothing) or its
heartbeat is older than `stale_after` seconds (another host that died without cleaning up).
"""

from __future__ import annotations

import errno
import glob
import json
import os
import secrets
import socket
import threading
import time
from pathlib import Path
from types import TracebackType

from barnacle.oserrors import owner_is_gone, owner_tag, pid_namespace

HEARTBEAT_S = 30.0
STALE_AFTER_S = 600.0
TEMP_SUFFIX = ".tmp"
TEMP_STALE_S = 60.0  # a lock's temporary file lives for a moment: older, its writer is gone


class LockedError(RuntimeError):
    """Another live worker holds the manifest."""


def lock_path(out: Path) -> Path:
    return out.with_name(out.name + ".lock")


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
    # Gone only when the pid can be checked: same host and same PID namespace.
    pid = info.get("pid")
    if isinstance(pid, int) and owner_is_gone(f"{pid}@{info.get('pidns')}@{info.get('host')}"):
        return True, f"{holder} is gone"
    if age > stale_after:
        return True, f"{holder} has not been heard from for {age:.0f} s"
    return False, holder


def _create_whole(path: Path, body: bytes) -> bool:
    """Create `path` holding `body`, or return False when it exists already.

    The body goes into a temporary file that is then hard-linked into place, so a worker
    killed while taking the lock never leaves an empty lock (unreadable: looks held for a
    while). Where hard links are not supported: create with O_EXCL, then write.
    """
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.{owner_tag()}{TEMP_SUFFIX}")
    try:
        temp.write_bytes(body)
        try:
            os.link(temp, path)
        except FileExistsError:
            return False
        except OSError as err:
            if err.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS):
                raise
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                return False
            with os.fdopen(fd, "wb") as handle:
                handle.write(body)
        return True
    finally:
        temp.unlink(missing_ok=True)


def remove_dead_temps(path: Path, now: float | None = None) -> None:
    """Remove the temporary files of `_create_whole` for `path` that a worker killed while
    taking the lock left: its process is gone (this host), or the file is older than any
    live attempt could be (another host)."""
    prefix = f".{path.name}."
    now = time.time() if now is None else now
    for temp in path.parent.glob(f"{glob.escape(prefix)}*{TEMP_SUFFIX}"):
        owner = temp.name[len(prefix) : -len(TEMP_SUFFIX)].partition(".")[2]
        try:
            if owner_is_gone(owner) or now - temp.stat().st_mtime > TEMP_STALE_S:
                temp.unlink()
        except FileNotFoundError:
            continue


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
            {
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "pidns": pid_namespace(),
                "started": time.time(),
            }
        ).encode()
        for _ in range(3):
            if not _create_whole(self.path, body):
                inode = _inode(self.path)
                stale, holder = lock_is_stale(self.path, self.stale_after)
                if not stale:
                    raise LockedError(
                        f"{self.path} is held by {holder}; another worker is on this manifest"
                    ) from None
                self.took_over = holder
                # Rename first so two workers cannot both remove and recreate the lock.
                grave = self.path.with_name(
                    f".{self.path.name}.{secrets.token_hex(4)}.{owner_tag()}{TEMP_SUFFIX}"
                )
                if _inode(self.path) != inode:
                    continue  # someone else replaced it meanwhile: look again
                try:
                    os.replace(self.path, grave)
                    grave.unlink(missing_ok=True)
                except FileNotFoundError:
                    pass
                continue
            remove_dead_temps(self.path)
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
