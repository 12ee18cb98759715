"""A run directory (runs/<RUN>/): metadata, status, summaries, prefetch, one task."""
