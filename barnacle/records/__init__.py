"""The JSONL contract: page records, error records and their JSON Schema."""

from barnacle.ocr.result import OcrLine
from barnacle.records.page_record import (
    ImageFacts,
    ModelRef,
    PageError,
    PageRecord,
    Provenance,
    SlurmIds,
    Timings,
)

__all__ = [
    "ImageFacts",
    "ModelRef",
    "OcrLine",
    "PageError",
    "PageRecord",
    "Provenance",
    "SlurmIds",
    "Timings",
]
