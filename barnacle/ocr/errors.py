"""The error barnacle.ocr raises: a model that cannot be used, or a page that failed."""

from __future__ import annotations


class OcrError(RuntimeError):
    """Kraken could not load a model or process a page; `stage` says which step failed."""

    def __init__(self, message: str, stage: str = "load") -> None:
        self.stage = stage  # "load", "segment" or "recognise"
        super().__init__(message)
