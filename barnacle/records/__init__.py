"""The JSONL contract: page records, error records and their JSON Schema."""

from barnacle.records.page_record import (
    ImageFacts,
    ModelRef,
    OcrLine,
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
