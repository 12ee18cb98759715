"""The page processes of one worker: the engine loaded in this process when there is one,
else a pool of spawned processes; and, when a pool breaks, how its processes ended."""

from __future__ import annotations

import logging
import multiprocessing
import signal
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from functools import partial
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from barnacle.worker.options import WorkerOptions, task_cpus, threads_per_process
from barnacle.worker.page_process import init_engine

log = logging.getLogger(__name__)


class InlineExecutor(Executor):
    """One page process is this process: no second copy of the models, no start-up cost."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(err)
        return future


def page_executor(workers: int, model_path: Path, options: WorkerOptions) -> Executor:
    """`workers` page processes with the engine loaded: this process itself for one. Their
    torch threads together stay within the CPUs this task was given."""
    cpus = task_cpus()
    threads = threads_per_process(options.threads, workers, cpus)
    if threads < options.threads:
        log.warning(
            "%d page processes x %d threads would exceed the %d CPUs given: %d thread(s) each",
            workers,
            options.threads,
            cpus,
            threads,
        )
    initargs = (str(model_path), options.device, threads, options.max_image_pixels)
    load_engine = partial(
        init_engine,
        precision=options.precision,
        batch_size=options.batch_size,
        segmentation_cache=str(options.cache_dir) if options.segmentation_cache else None,
    )
    if workers == 1:
        load_engine(*initargs, child=False)
        return InlineExecutor()
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=load_engine,
        initargs=initargs,
    )


def pool_processes(pool: Executor) -> dict[int, BaseProcess]:
    """The processes a pool has started so far, by pid (none for the inline executor)."""
    processes: dict[int, BaseProcess] = getattr(pool, "_processes", None) or {}
    return dict(processes)


def process_endings(processes: dict[int, BaseProcess]) -> str:
    """How the page processes of a broken pool ended, the one that died first: "was killed
    by signal 9 (SIGKILL)", "exited with status 1". The pool itself ends the others with
    SIGTERM, so those are named only when nothing else is known."""
    codes: dict[int, int] = {}
    for pid, process in processes.items():
        process.join(timeout=5)
        code = process.exitcode
        if code is not None and code != 0:
            codes[pid] = code
    died = {pid: c for pid, c in codes.items() if c != -signal.SIGTERM} or codes
    if not died:
        return "ended abruptly (exit status unknown)"
    words = []
    for pid, code in sorted(died.items()):
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = "unknown signal"
            words.append(f"(pid {pid}) was killed by signal {-code} ({name})")
        else:
            words.append(f"(pid {pid}) exited with status {code}")
    return " and ".join(words)
