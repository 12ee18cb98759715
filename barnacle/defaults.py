"""Every default and exit code that more than one part of Barnacle shares, defined once.

The CLI's option defaults, the worker's options, `barnacle prefetch` (which must ask for the
same image size as the OCR, or an offline run misses the cache), the Makefile and the sbatch
script all read these values. `python -m barnacle.defaults` prints them as make variables,
which is how the Makefile gets them, with SETTING_VARIABLES: the Makefile variables of a run's
settings (barnacle/setting_names.py).
"""

from __future__ import annotations

from enum import IntEnum

# IIIF Image API size of the page images: best fit within 3000 x 3000 pixels.
IMAGE_SIZE = "!3000,3000"
# The shared cache of manifests, info.json files, page images and segmentations.
CACHE_DIR = "cache"
# Parent folder of every run (runs/<RUN>/).
RUNS_DIR = "runs"
# torch device of the page processes: cpu, cuda or cuda:N.
DEVICE = "cpu"
# torch threads per page process.
THREADS = 1
# kraken's full precision, the only one at which the CPU network substitutions
# (barnacle.ocr.fast_network) keep results unchanged; and the default precision (bf16-mixed is
# the usual choice on a GPU).
FULL_PRECISION = "32-true"
PRECISION = FULL_PRECISION
# Lines recognised at once (larger on a GPU).
BATCH_SIZE = 1
# SLURM array tasks running at once (the %N of --array).
ARRAY_THROTTLE = 20
# Port of the bundled sample IIIF server (make demo) and of the run viewer (make view).
SAMPLE_PORT = 8182
VIEW_PORT = 8183
# Address the run viewer listens on.
VIEW_HOST = "127.0.0.1"
# Where the run viewer answers by default, and the derived IIIF of `barnacle export` under it
# (the links written into iiif/ when no PUBLISH_URL is given).
VIEW_URL = f"http://{VIEW_HOST}:{VIEW_PORT}/"
PUBLISH_URL = f"{VIEW_URL}iiif/"
# Connections the run viewer's listening socket queues before the kernel drops new ones
# (Python's own default, 5, dropped most of a burst of 200).
VIEW_BACKLOG = 1024
# Largest paging number (`page=`, `offset=`) the run viewer accepts; larger ones are a 400.
VIEW_MAX_PAGING = 1_000_000_000
# Circuit breaker of the HTTP session: after this many connection failures in a row to one
# host (refused, reset before an answer, DNS, connect timeout), its requests fail at once for
# the cool-down (seconds); then one request is let through to try it again. 0 turns it off.
BREAKER_FAILURES = 5
BREAKER_COOLDOWN_S = 60.0
# make groundtruth: pages chosen to transcribe, the seed of the random share, and that share.
GROUNDTRUTH_PAGES = 50
GROUNDTRUTH_SEED = 1
GROUNDTRUTH_RANDOM_SHARE = 0.2
# make finetune: the most epochs, epochs without improvement before kraken's early stopping,
# the share of truth pages held out for validation (and the gate), and the learning rate.
FINETUNE_MAX_EPOCHS = 50
FINETUNE_LAG = 5
FINETUNE_VALIDATION_SHARE = 0.1
FINETUNE_LEARNING_RATE = 1e-4
# make finetune: lines per training step (kraken's own default for recognition training).
FINETUNE_BATCH_SIZE = 1


class ExitCode(IntEnum):
    """What every `barnacle` command, array task and make recipe exits with."""

    OK = 0  # done: every page of the manifest OCRed, or the command succeeded
    INVALID = 1  # the input was read but is not valid (validate, export, evaluate)
    USAGE = 2  # a bad command line or setting: the message names the fix
    PAGE_ERRORS = 3  # the manifest was processed, some pages failed (see <sha1>.errors.jsonl)
    NOT_STARTED = 4  # the manifest or the model could not be loaded: no page was OCRed
    LOCKED = 5  # another worker holds the manifest's lock
    STOPPED = 6  # the system refused a write (disk full, permissions): rerun once fixed


# The make variables that `python -m barnacle.defaults` prints (name in the Makefile -> value).
MAKE_VARIABLES: dict[str, object] = {
    "SIZE": IMAGE_SIZE,
    "CACHE_DIR": CACHE_DIR,
    "RUNS_DIR": RUNS_DIR,
    "DEVICE": DEVICE,
    "THREADS": THREADS,
    "PRECISION": PRECISION,
    "BATCH_SIZE": BATCH_SIZE,
    "THROTTLE": ARRAY_THROTTLE,
    "SAMPLE_PORT": SAMPLE_PORT,
    "VIEW_PORT": VIEW_PORT,
    "HOST": VIEW_HOST,
    "PAGES": GROUNDTRUTH_PAGES,
    "SEED": GROUNDTRUTH_SEED,
}


def make_defaults() -> str:
    """`DEFAULT_NAME := value` lines for the Makefile (it sets `NAME ?= $(DEFAULT_NAME)`),
    which includes them as build/defaults.mk. `$` and `#` are escaped so make reads each value
    as it is written here."""
    lines = ["# Written by python3 -m barnacle.defaults: edit barnacle/defaults.py instead.\n"]
    for name, value in MAKE_VARIABLES.items():
        text = str(value).replace("$", "$$").replace("#", "\\#")
        lines.append(f"DEFAULT_{name} := {text}\n")
    from barnacle.setting_names import setting_variables

    # The Makefile variables that become runs/<RUN>/settings.json (make run records them).
    lines.append(f"SETTING_VARIABLES := {' '.join(setting_variables())}\n")
    return "".join(lines)


if __name__ == "__main__":
    print(make_defaults(), end="")
