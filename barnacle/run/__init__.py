"""A run's bookkeeping (runs/<RUN>/): metadata, status, summaries and chart, the settings guard,
the outputs as make targets, one task. Its paths come from barnacle.run_folder; doing the work
is barnacle.tasks and barnacle.worker."""
