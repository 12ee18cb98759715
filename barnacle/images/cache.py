"""A content-addressed cache of downloads, keyed by request URL, safe to share between
many processes on many nodes: files appear only complete and verified, by atomic rename.

Layout: `<root>/<aa>/<sha256(url)><suffix>`, where `aa` is the first two hex digits.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO

from barnacle.images.errors import ImageError

IMAGE_SUFFIX = ".img"
INFO_SUFFIX = ".info.json"


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
        final.parent.mkdir(parents=True, exist_ok=True)
        temp = final.parent / f".{final.name}.{os.getpid()}.{secrets.token_hex(4)}.part"
        # O_EXCL: never write into someone else's file; mode 0o666 lets the umask decide sharing
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(fd, "wb") as handle:
                write(handle)
                handle.flush()
                os.fsync(handle.fileno())
            verify(temp)
            os.replace(temp, final)
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
