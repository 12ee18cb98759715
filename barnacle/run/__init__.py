"""A run's bookkeeping (runs/<RUN>/): status, summaries and chart, the settings guard, the
outputs as make targets. Its paths and files (metadata.json, settings.json) come from
barnacle.run_folder; doing the work is barnacle.tasks and barnacle.worker."""
