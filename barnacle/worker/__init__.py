"""The per-manifest worker: one manifest -> one JSONL, resumable page by page."""

from barnacle.worker.options import EXIT_CODES, ProcessingResult, WorkerOptions
from barnacle.worker.process_manifest import process_manifest

__all__ = ["EXIT_CODES", "ProcessingResult", "WorkerOptions", "process_manifest"]
