"""Atomic file writes: a temp file in the same folder, fsync, then rename over the target.

Every file Barnacle writes gets the mode a plain `open()` gives under the caller's umask
(0644 under 022, 0664 under 002), so a web server, Solr or a colleague can read a run. The
temporary file is therefore created with `os.open(..., 0o666)` and the kernel takes the
umask off, at the moment of creation: nothing reads the umask (`os.umask` can only read it by
setting it, for the whole process, which races with threads creating files), and a folder's
default ACL applies as it would to any new file. `tempfile.mkstemp` would create it 0600 and
the rename would keep that.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from barnacle.oserrors import with_path

NEW_FILE_MODE = 0o666  # what open() asks for; the umask takes its bits off
NEW_FOLDER_MODE = 0o777  # what mkdir asks for


def create_new_file(path: Path) -> int:
    """A descriptor open for writing on `path`, created now (FileExistsError if it exists),
    with the mode a plain open() gives under the umask."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, NEW_FILE_MODE)


def temp_beside(path: Path, suffix: str = ".tmp") -> tuple[int, Path]:
    """A new uniquely named `.<name>.<random><suffix>` in `path`'s folder, open for writing."""
    while True:
        temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}{suffix}")
        try:
            return create_new_file(temp), temp
        except FileExistsError:
            continue


def temp_folder_beside(path: Path, suffix: str = ".tmp") -> Path:
    """A new uniquely named folder beside `path`, with the mode mkdir gives under the umask
    (`tempfile.mkdtemp` makes it 0700, and a rename into place would keep that)."""
    while True:
        temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}{suffix}")
        try:
            temp.mkdir(NEW_FOLDER_MODE)
            return temp
        except FileExistsError:
            continue


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so readers see the old file or the whole new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = temp_beside(path)
    except OSError as err:
        raise with_path(err, path)  # noqa: B904 - with_path chains it
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as err:  # disk full, say: a failed write() names no file
        tmp.unlink(missing_ok=True)
        raise with_path(err, path)  # noqa: B904 - with_path chains it
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))
