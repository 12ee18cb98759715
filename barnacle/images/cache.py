"""A cache of downloads keyed by their request URL (the sha256 of the URL, not of the
content: one URL, one file), safe to share between many processes on many nodes: files appear
only complete and verified, by atomic rename.

Layout: `<root>/<aa>/<sha256(url)><suffix>`, where `aa` is the first two hex digits.
A download in progress is `.<sha256(url)><suffix>.<random>.<pid@pidns@host>.part` beside it;
one left by a killed writer is removed by the next download of the same URL.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO

from barnacle.atomic import create_new_file
from barnacle.images.errors import ImageError
from barnacle.oserrors import owner_is_gone, owner_tag, with_path

IMAGE_SUFFIX = ".img"
INFO_SUFFIX = ".info.json"
TEMP_SUFFIX = ".part"
# A download writes its temporary file at least once per read timeout (60 s), so one left
# untouched this long belongs to a writer that died, on whatever host.
STALE_TEMP_S = 3600.0


def url_key(url: str) -> str:
    """The cache key of a URL: sha256 of its UTF-8 bytes, in hex."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def offline_miss(url: str, root: Path) -> ImageError:
    return ImageError(
        url,
        f"not in the image cache {root} and running offline; "
        "run `make prefetch` with the same image settings first, or drop --offline",
        kind="offline_miss",
    )


class ImageCache:
    """Files keyed by URL under `root`. `offline=True` means: never download, only read."""

    def __init__(self, root: Path | str, offline: bool = False) -> None:
        self.root = Path(root)
        self.offline = offline

    def path_for(self, url: str, suffix: str = IMAGE_SUFFIX) -> Path:
        key = url_key(url)
        return self.root / key[:2] / f"{key}{suffix}"

    def get(self, url: str, suffix: str = IMAGE_SUFFIX) -> Path | None:
        """The cached file for `url`, or None when there is none."""
        path = self.path_for(url, suffix)
        return path if path.is_file() else None

    def require(self, url: str, suffix: str = IMAGE_SUFFIX) -> Path:
        """The cached file for `url`, or an ImageError saying how to get it."""
        path = self.get(url, suffix)
        if path is None:
            raise offline_miss(url, self.root)
        return path

    def put(
        self,
        url: str,
        write: Callable[[BinaryIO], None],
        verify: Callable[[Path], None],
        suffix: str = IMAGE_SUFFIX,
    ) -> Path:
        """Store the bytes that `write` produces as the file for `url`.

        `write` fills a temporary file in the final directory; `verify` checks it (raising
        to refuse); only then is it renamed into place. On any failure the temporary file
        is removed and nothing becomes visible. Concurrent writers of one URL are harmless:
        each rename is atomic and both files are complete.
        """
        final = self.path_for(url, suffix)
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            remove_dead_temps(final)
            unique = f"{secrets.token_hex(4)}.{owner_tag()}"
            temp = final.parent / f".{final.name}.{unique}{TEMP_SUFFIX}"
            fd = create_new_file(temp)  # never another's file; the umask decides sharing
        except OSError as err:
            raise with_path(err, final)  # noqa: B904 - with_path chains it
        try:
            with os.fdopen(fd, "wb") as handle:
                write(handle)
                handle.flush()
                os.fsync(handle.fileno())
            verify(temp)
            os.replace(temp, final)
        except OSError as err:  # disk full, say: a write() error names no file
            with suppress(FileNotFoundError):
                temp.unlink()
            raise with_path(err, temp)  # noqa: B904 - with_path chains it
        except BaseException:
            with suppress(FileNotFoundError):
                temp.unlink()
            raise
        return final

    def put_bytes(
        self, url: str, data: bytes, verify: Callable[[Path], None], suffix: str = IMAGE_SUFFIX
    ) -> Path:
        def write(handle: BinaryIO) -> None:
            handle.write(data)

        return self.put(url, write, verify, suffix)


def remove_dead_temps(final: Path) -> list[Path]:
    """Remove the temporary files of `final` left by writers that died (killed mid-download):
    those of a process of this host that is gone, and any untouched for STALE_TEMP_S.
    Only a download of the same URL looks, so a cache of millions is never walked."""
    prefix = f".{final.name}."
    removed: list[Path] = []
    try:
        entries = list(os.scandir(final.parent))
    except FileNotFoundError:
        return removed
    now = time.time()
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(TEMP_SUFFIX)):
            continue
        owner = name[len(prefix) : -len(TEMP_SUFFIX)].partition(".")[2]
        try:
            dead = owner_is_gone(owner) or now - entry.stat().st_mtime > STALE_TEMP_S
            if dead:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except FileNotFoundError:
            continue  # its writer renamed or removed it meanwhile
    return removed
