"""One worker per manifest: a lock file next to the output, released on exit.

The lock holds host, pid, PID namespace and start time, and its mtime is refreshed while the
worker runs (a heartbeat). A lock is stale, and taken over, when its process is gone (same host
and same PID namespace: a pid seen from inside another container means nothing) or its
heartbeat is older than `stale_after` seconds (another host that died without cleaning up).

Each lock file is created whole (hard link of a temporary file) and names its owner with a
random token. A worker removes only the lock it judged (inode and body, since an inode number
is reused at once): its own on release, or the stale one it read on takeover. Removal is a
rename to a private name, then a look at what was moved: when it is not the lock judged
(another worker took the lock over and re-created it meanwhile), it is linked back in place.
"""

from __future__ import annotations

import errno
import glob
import json
import logging
import os
import secrets
import socket
import threading
import time
from pathlib import Path
from types import TracebackType

from barnacle.atomic import create_new_file
from barnacle.oserrors import owner_is_gone, owner_tag, pid_namespace
from barnacle.pause_points import pause_point
from barnacle.run_folder import lock_of

log = logging.getLogger(__name__)

HEARTBEAT_S = 30.0
STALE_AFTER_S = 600.0
TEMP_SUFFIX = ".tmp"
TEMP_STALE_S = 60.0  # a lock's temporary file lives for a moment: older, its writer is gone


class LockedError(RuntimeError):
    """Another live worker holds the manifest."""


Identity = tuple[int, bytes]  # a lock file's inode and body


def _judge(path: Path, stale_after: float) -> tuple[bool, str, Identity | None]:
    """(stale, who holds it, the lock judged): the body and the inode come from one open
    file, so the verdict is about that file, whatever replaces `path` afterwards."""
    try:
        with path.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            raw = handle.read()
    except FileNotFoundError:
        return True, "gone", None
    age = time.time() - stat.st_mtime
    try:
        info = json.loads(raw)
        if not isinstance(info, dict):
            raise ValueError("not a JSON object")
    except ValueError:
        # Unreadable: a lock torn by a crash while being written, or garbage.
        return age > 5.0, "unreadable", (stat.st_ino, raw)
    holder = f"pid {info.get('pid')} on {info.get('host')}"
    # Gone only when the pid can be checked: same host and same PID namespace.
    pid = info.get("pid")
    if isinstance(pid, int) and owner_is_gone(f"{pid}@{info.get('pidns')}@{info.get('host')}"):
        return True, f"{holder} is gone", (stat.st_ino, raw)
    if age > stale_after:
        return True, f"{holder} has not been heard from for {age:.0f} s", (stat.st_ino, raw)
    return False, holder, (stat.st_ino, raw)


def lock_is_stale(path: Path, stale_after: float) -> tuple[bool, str]:
    stale, holder, _ = _judge(path, stale_after)
    return stale, holder


def _grave(path: Path) -> Path:
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.{owner_tag()}{TEMP_SUFFIX}")


def _identity(path: Path) -> Identity:
    with path.open("rb") as handle:
        return os.fstat(handle.fileno()).st_ino, handle.read()


def remove_if_same(path: Path, judged: Identity) -> bool:
    """Remove the lock file `path` only if it is still the lock `judged`; True when removed.

    The file is renamed to a private name (atomic: this worker now has whatever was there),
    then checked: another worker's lock, moved by mistake, is linked back where it was, the
    same inode, so its holder still owns it."""
    grave = _grave(path)
    try:
        os.rename(path, grave)
    except FileNotFoundError:
        return False
    try:
        if _identity(grave) == judged:
            return True
        try:
            os.link(grave, path)
        except FileExistsError:
            log.error("%s: a lock was replaced while being put back; two workers may hold it", path)
        return False
    finally:
        grave.unlink(missing_ok=True)


def _create_whole(path: Path, body: bytes) -> Identity | None:
    """Create `path` holding `body` and return its identity, or None when it exists already.

    The body goes into a temporary file that is then hard-linked into place, so a worker
    killed while taking the lock never leaves an empty lock (unreadable: looks held for a
    while). Where hard links are not supported: create with O_EXCL, then write.
    """
    temp = _grave(path)
    try:
        temp.write_bytes(body)
        pause_point("lock")  # crash tests hold here: a body written, not linked in place
        try:
            os.link(temp, path)
        except FileExistsError:
            return None
        except OSError as err:
            if err.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS):
                raise
            try:
                fd = create_new_file(path)
            except FileExistsError:
                return None
            with os.fdopen(fd, "wb") as handle:
                handle.write(body)
                return os.fstat(handle.fileno()).st_ino, body
        return os.lstat(temp).st_ino, body
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
        self.path = lock_of(out)
        self.stale_after = stale_after
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.took_over: str | None = None
        self.mine: Identity | None = None  # the lock file this worker created

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps(
            {
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "pidns": pid_namespace(),
                "started": time.time(),
                "token": secrets.token_hex(8),
            }
        ).encode()
        for _ in range(5):
            mine = _create_whole(self.path, body)
            if mine is None:
                stale, holder, judged = _judge(self.path, self.stale_after)
                if not stale:
                    raise LockedError(
                        f"{self.path} is held by {holder}; another worker is on this manifest"
                    ) from None
                if judged is not None and remove_if_same(self.path, judged):
                    self.took_over = holder
                continue  # taken over, or replaced meanwhile: look again
            self.mine = mine
            remove_dead_temps(self.path)
            self._thread = threading.Thread(target=self._beat, daemon=True)
            self._thread.start()
            return
        raise LockedError(f"{self.path}: could not take the lock; try again")

    def holds(self) -> bool:
        """The lock file is still this worker's own (not taken over as stale)."""
        try:
            return self.mine is not None and _identity(self.path) == self.mine
        except OSError:
            return False

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            if not self.holds():
                log.error("%s: this worker's lock was taken over by another", self.path)
                return
            try:
                os.utime(self.path)
            except OSError:
                return

    def release(self) -> None:
        """Remove this worker's lock file; never one that another worker holds now."""
        self._stop.set()
        if self.mine is not None:
            remove_if_same(self.path, self.mine)
            self.mine = None

    def __enter__(self) -> ManifestLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
