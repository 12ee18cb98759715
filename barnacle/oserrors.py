"""One-line messages for the operating system's errors (disk full, permissions, ...), naming
the file and what to do, and who owns a temporary file (is its process still running?)."""

from __future__ import annotations

import errno
import os
import socket

NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


def with_path(err: OSError, path: object) -> OSError:
    """`err` naming `path` when it names no file (a failed write() names none)."""
    if err.filename is not None or err.errno is None:
        return err
    named = OSError(err.errno, err.strerror, str(path))
    named.__cause__ = err
    return named


def describe_os_error(err: OSError) -> str:
    """What went wrong, where, and what to do, in one line."""
    where = err.filename if err.filename is not None else "a file"
    if err.filename2 is not None:
        where = f"{where} -> {err.filename2}"
    if err.errno in NO_SPACE:
        return (
            f"disk full: cannot write {where} ({err.strerror}); free some space (or write "
            "elsewhere) and rerun: work already finished is kept"
        )
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"not allowed to write {where} ({err.strerror}); fix its permissions and rerun"
    reason = err.strerror or str(err) or type(err).__name__
    return f"{where}: {reason}"


def pid_namespace() -> int | None:
    """This process's PID namespace (containers have their own); None where unknown."""
    try:
        return os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return None


def owner_tag() -> str:
    """Who this process is, for names of temporary files: pid@pidns@host."""
    return f"{os.getpid()}@{pid_namespace()}@{socket.gethostname()}"


def owner_is_gone(tag: str) -> bool:
    """True when `tag` (from owner_tag) names a process of this host and PID namespace that
    no longer runs. False when it runs, or when it cannot be known from here."""
    pid_text, _, rest = tag.partition("@")
    namespace, _, host = rest.partition("@")
    if not pid_text.isdigit() or host != socket.gethostname():
        return False
    if namespace != str(pid_namespace()):
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
