"""Kraken OCR in-process: page image in, text and line geometry out.

Knows nothing of manifests or files. Importing this package does not import kraken;
creating a KrakenEngine does.
"""

from barnacle.hashing import file_sha256
from barnacle.ocr.device import kraken_device
from barnacle.ocr.engine import KrakenEngine, default_segmentation_model
from barnacle.ocr.errors import OcrError
from barnacle.ocr.identity import ModelIdentity, kraken_version
from barnacle.ocr.result import OcrLine, OcrTimings, PageOcr

__all__ = [
    "KrakenEngine",
    "ModelIdentity",
    "OcrError",
    "OcrLine",
    "OcrTimings",
    "PageOcr",
    "default_segmentation_model",
    "file_sha256",
    "kraken_device",
    "kraken_version",
]
