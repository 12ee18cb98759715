"""Doing a run's work, task by task: prefetching a run's manifests and images into the cache
(`prefetch.py`). The run's bookkeeping (status, summary, metadata) is barnacle.run; the work
of one manifest is barnacle.worker."""
