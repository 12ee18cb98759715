"""Which model produced a text: the file's sha256, its path and the kraken version."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

from pydantic import BaseModel

from barnacle.hashing import file_sha256


def kraken_version() -> str:
    return importlib.metadata.version("kraken")


class ModelIdentity(BaseModel):
    """Enough to say exactly which weights and which engine made a page's text."""

    path: str
    sha256: str
    bytes: int
    engine_version: str  # the installed kraken version

    @classmethod
    def of(cls, path: Path) -> ModelIdentity:
        path = path.resolve()
        return cls(
            path=str(path),
            sha256=file_sha256(path),
            bytes=path.stat().st_size,
            engine_version=kraken_version(),
        )
