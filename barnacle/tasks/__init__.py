"""Doing a run's work, one manifest at a time: `barnacle run-task RUN_DIR SHA1` (run_task.py),
what `make -j` runs here and what each SLURM array task runs, with the run's own settings; and
prefetching a run's manifests and images into the cache (`prefetch.py`). The run's bookkeeping
(status, summary, metadata) is barnacle.run; the work of one manifest is barnacle.worker."""

# What a task does with its manifest (`barnacle run-task --stage`).
STAGES = ("ocr", "export", "prefetch")
