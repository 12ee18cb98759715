"""The run folder, runs/<RUN>/: every path in it (`folder.py`), the one reader of page-record
files (`record_lines.py`), the run's settings, written once at its start (`settings.py`), its
provenance, metadata.json (`metadata.py`), the per-manifest stats file the worker writes for
`make summary` (`manifest_stats.py`) and the reader of manifests.tsv (`manifest_rows.py`). It
sits below the worker and everything else that reads or writes a run, and imports none of them.

No other module builds a path under a run folder from strings: it asks a RunFolder (or, for a
manifest's output given by path, the `*_of` functions of `folder.py`)."""

from barnacle.run_folder.folder import (
    RunFolder,
    errors_of,
    is_part,
    lock_of,
    part_of,
    sha1_of,
    stats_of,
)
from barnacle.run_folder.record_lines import (
    RecordLines,
    TornLine,
    iter_record_lines,
    read_record_lines,
)

__all__ = [
    "RecordLines",
    "RunFolder",
    "TornLine",
    "errors_of",
    "is_part",
    "iter_record_lines",
    "lock_of",
    "part_of",
    "read_record_lines",
    "sha1_of",
    "stats_of",
]
