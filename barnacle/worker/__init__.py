"""The per-manifest worker: one manifest -> one JSONL, resumable page by page. It sits below
the run's bookkeeping, the tasks, model management and the command line, and imports nothing
from them (barnacle.run, .tasks, .models, .cli, .job_arrays): its output files are named by
barnacle.run_folder, its model resolved by barnacle.model_files."""

from barnacle.worker.options import EXIT_CODES, ProcessingResult, WorkerOptions
from barnacle.worker.process_manifest import process_manifest

__all__ = ["EXIT_CODES", "ProcessingResult", "WorkerOptions", "process_manifest"]
