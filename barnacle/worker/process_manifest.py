"""One manifest -> one JSONL file: plan the pages, skip those already done, fetch images ahead
in threads, OCR them in page processes, and write records in canvas order from one writer."""

from __future__ import annotations

import glob
import logging
import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from tqdm import tqdm

from barnacle.atomic import atomic_write_bytes
from barnacle.defaults import (
    BATCH_SIZE,
    CACHE_DIR,
    DEVICE,
    IMAGE_SIZE,
    PRECISION,
    THREADS,
    ExitCode,
)
from barnacle.display import printable
from barnacle.http_client import FetchError, RetryLog
from barnacle.iiif import IIIFError, ImageRequest
from barnacle.images import FetchedImage, ImageCache, fetch_page_image
from barnacle.models.confidence import mean_line_confidence
from barnacle.ocr.identity import ModelIdentity
from barnacle.oserrors import describe_os_error
from barnacle.pause_points import pause_point
from barnacle.records import ImageFacts, ModelRef, OcrLine, PageError, PageRecord, Timings
from barnacle.records.provenance import current_provenance
from barnacle.run.manifest_stats import stats_path
from barnacle.worker.error_hints import hint_for
from barnacle.worker.lock import (
    STALE_AFTER_S,
    LockedError,
    ManifestLock,
    lock_is_stale,
    lock_path,
)
from barnacle.worker.manifest_source import load_manifest
from barnacle.worker.model_ref import ModelNotFound, model_doi, resolve_model
from barnacle.worker.output_files import (
    RecordWriter,
    errors_path,
    jsonl_line,
    part_path,
    repair_and_read_keys,
)
from barnacle.worker.page_plan import PagePlan, plan_pages
from barnacle.worker.page_process import init_engine, ocr_image

log = logging.getLogger(__name__)


Status = Literal["complete", "page_errors", "not_started", "locked", "stopped"]
EXIT_CODES: dict[Status, ExitCode] = {
    "complete": ExitCode.OK,
    "page_errors": ExitCode.PAGE_ERRORS,
    "not_started": ExitCode.NOT_STARTED,
    "locked": ExitCode.LOCKED,
    "stopped": ExitCode.STOPPED,
}
MAX_LABEL_CHARS = 1000  # a canvas label longer than this is cut in the records


def default_page_processes() -> int:
    """The CPUs this task was given: SLURM's count, else the CPUs we may run on."""
    for name in ("SLURM_CPUS_PER_TASK", "SLURM_CPUS_ON_NODE"):
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return max(1, len(os.sched_getaffinity(0)))


class WorkerOptions(BaseModel):
    model_config = ConfigDict(protected_namespaces=())

    model: str | None = None  # path; None = BARNACLE_MODEL or the demo model
    cache_dir: Path = Path(CACHE_DIR)
    max_pages: int | None = None
    size: str = IMAGE_SIZE
    device: str = DEVICE
    threads: int = THREADS  # torch threads per page process
    page_processes: int = Field(default_factory=default_page_processes)
    prefetch: int = 2  # images fetched ahead of the OCR
    resume: bool = True
    offline: bool = False
    metadata: dict[str, str] = Field(default_factory=dict)  # e.g. source_metadata_id, ark
    max_image_pixels: int | None = None
    progress: bool = True
    precision: str = PRECISION  # kraken's precisions, e.g. bf16-mixed on a GPU
    batch_size: int = BATCH_SIZE  # lines recognised at once (larger on a GPU)
    segmentation_cache: bool = True  # reuse page segmentations kept in cache_dir


class ProcessingResult(BaseModel):
    manifest_url: str
    out: Path
    status: Status
    message: str = ""
    pages_total: int = 0
    pages_skipped: int = 0  # already done by an earlier run
    pages_done: int = 0  # done by this run
    pages_failed: int = 0
    elapsed_s: float = 0.0

    @property
    def exit_code(self) -> ExitCode:
        return EXIT_CODES[self.status]


class _InlineExecutor(Executor):
    """One page process is this process: no second copy of the models, no start-up cost."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(err)
        return future


def _page_executor(workers: int, model_path: Path, options: WorkerOptions) -> Executor:
    initargs = (str(model_path), options.device, options.threads, options.max_image_pixels)
    engine_options = {
        "precision": options.precision,
        "batch_size": options.batch_size,
        "segmentation_cache": str(options.cache_dir) if options.segmentation_cache else None,
    }
    if workers == 1:
        init_engine(*initargs, child=False, **engine_options)
        return _InlineExecutor()
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=partial(init_engine, **engine_options),
        initargs=initargs,
    )


class _Fetched(BaseModel):
    url: str
    image: FetchedImage
    retry: RetryLog
    notes: list[str] = []
    region: str | None = None  # the selector's region and rotation, as applied
    rotation: int = 0


class _FetchFailed(BaseModel):
    """A page whose image could not be had, with what retrying it cost."""

    kind: str
    message: str
    status: int | None
    url: str | None
    retry: RetryLog


def _fetch(plan: PagePlan, request: ImageRequest, cache: ImageCache) -> _Fetched | _FetchFailed:
    retry = RetryLog()
    try:
        got = fetch_page_image(plan.page, request, cache, retry_log=retry)
    except FetchError as err:
        kind = getattr(err, "kind", "http")
        return _FetchFailed(
            kind=kind, message=str(err), status=err.status, url=err.url, retry=retry
        )
    except IIIFError as err:
        return _FetchFailed(
            kind="bad_request", message=str(err), status=None, url=None, retry=retry
        )
    for note in got.notes:
        log.info("%s: %s", plan.page.canvas_id, note)
    if retry.retries:
        log.info(
            "%s: %d retries (%s)", plan.page.canvas_id, retry.retries, ", ".join(retry.reasons)
        )
    return _Fetched(
        url=got.url,
        image=got.image,
        retry=retry,
        notes=got.notes,
        region=got.region,
        rotation=got.rotation,
    )


class _Run:
    """The state of one pass over a manifest's remaining pages."""

    def __init__(
        self, manifest_url: str, options: WorkerOptions, model: ModelRef, writer: RecordWriter
    ) -> None:
        self.manifest_url = manifest_url
        self.options = options
        self.model = model
        self.writer = writer
        self.provenance = current_provenance()
        self.request = ImageRequest(size=options.size)
        self.cache = ImageCache(options.cache_dir, offline=options.offline)
        self.failed = 0
        self.done = 0

    def error(
        self,
        plan: PagePlan,
        stage: str,
        kind: str,
        message: str,
        status: int | None,
        image_url: str | None,
        retry: RetryLog | None = None,
    ) -> None:
        self.failed += 1
        retry = retry or RetryLog()
        record = PageError(
            page_key=plan.page_key,
            canvas_index=plan.page.index,
            manifest_url=self.manifest_url,
            canvas_id=plan.page.canvas_id,
            image_url=image_url,
            stage=stage,
            kind=kind,
            status=status,
            message=message,
            hint=hint_for(kind, status),
            retries=retry.retries,
            retry_lost_ms=round(retry.lost_ms, 1),
            retry_reasons=retry.reasons,
            host=self.provenance.host,
            slurm=self.provenance.slurm,
        )
        log.warning("page %d failed (%s): %s", plan.page.index, kind, message)
        self.writer.write_error(record)

    def record(self, plan: PagePlan, fetched: _Fetched, result: dict[str, Any]) -> None:
        ocr = result["ocr"]
        # The page's own work (fetch, decode, segment, recognise), not its time in the queue.
        work_ms = (
            fetched.image.fetch_ms + result["decode_ms"]
            + ocr["timings_ms"]["segment"] + ocr["timings_ms"]["recognise"]
        )  # fmt: skip
        meta = dict(self.options.metadata)
        provenance = self.provenance
        page = PageRecord(
            page_key=plan.page_key,
            canvas_index=plan.page.index,
            model=self.model,
            manifest_url=self.manifest_url,
            canvas_id=plan.page.canvas_id,
            canvas_label=short_label(plan.page.label),
            image_url=fetched.url,
            elapsed_ms=round(work_ms, 1),
            text=ocr["text"],
            source_metadata_id=meta.pop("source_metadata_id", None) or None,
            ark=meta.pop("ark", None) or None,
            metadata=meta,
            engine_version=provenance.engine_version,
            barnacle_version=provenance.barnacle_version,
            git_commit=provenance.git_commit,
            container=provenance.container,
            host=provenance.host,
            slurm=provenance.slurm,
            image=ImageFacts(
                sha256=fetched.image.sha256,
                width=fetched.image.width,
                height=fetched.image.height,
                bytes=fetched.image.bytes,
                cache_hit=fetched.image.cache_hit,
                region=fetched.region,
                rotation=fetched.rotation or None,
            ),
            lines=len(ocr["lines"]),
            chars=len(ocr["text"]),
            timings_ms=Timings(
                fetch=round(fetched.image.fetch_ms, 1),
                decode=round(result["decode_ms"], 1),
                segment=round(ocr["timings_ms"]["segment"], 1),
                recognise=round(ocr["timings_ms"]["recognise"], 1),
            ),
            retries=fetched.retry.retries,
            retry_lost_ms=round(fetched.retry.lost_ms, 1),
            retry_reasons=fetched.retry.reasons,
            notes=fetched.notes,
            line_confidence=mean_line_confidence(ocr["lines"]),
            ocr_lines=[OcrLine.model_validate(line) for line in ocr["lines"]],
        )
        self.writer.write(page)
        self.done += 1

    def _write(self, plan: PagePlan, kind: str, payload: Any) -> None:
        if kind == "error":
            self.error(plan, *payload)
            return
        fetched, result = payload
        if result["ok"]:
            self.record(plan, fetched, result)
        else:
            self.error(plan, result["stage"], result["kind"], result["message"],
                       result["status"], fetched.url, fetched.retry)  # fmt: skip

    def run(self, todo: list[PagePlan], model_path: Path) -> None:
        """Fetch ahead in threads, OCR in processes, write in canvas order."""
        options = self.options
        workers = max(1, min(options.page_processes, len(todo)))
        window = workers + options.prefetch  # images on disk or on their way
        bar = tqdm(
            total=len(todo),
            unit="page",
            disable=not options.progress,
            mininterval=1 if sys.stderr.isatty() else 30,
            desc="pages",
        )
        fetch_pool = ThreadPoolExecutor(
            max_workers=max(1, options.prefetch), thread_name_prefix="fetch"
        )
        ocr_pool = _page_executor(workers, model_path, options)
        fetching: deque[tuple[int, Future[_Fetched | _FetchFailed]]] = deque()
        ocring: dict[int, tuple[_Fetched, Future[dict[str, Any]]]] = {}
        finished: dict[int, tuple[str, Any]] = {}  # position -> ("ok"|"error", payload)
        next_fetch = next_write = 0
        submitting: int | None = None  # the page being handed to a page process
        processes: dict[int, Any] = {}  # pid -> the pool's page process
        try:
            while next_write < len(todo):
                while next_fetch < len(todo) and len(fetching) + len(ocring) < window:
                    future = fetch_pool.submit(_fetch, todo[next_fetch], self.request, self.cache)
                    fetching.append((next_fetch, future))
                    next_fetch += 1
                for position, (fetched, job) in list(ocring.items()):
                    if job.done():
                        del ocring[position]
                        finished[position] = ("ok", (fetched, job.result()))
                # Write what is ready first: a single inline page process blocks in submit.
                while next_write in finished:
                    self._write(todo[next_write], *finished.pop(next_write))
                    next_write += 1
                    bar.update(1)
                # Hand the next fetched image (canvas order) to a page process.
                if fetching and fetching[0][1].done() and len(ocring) < workers + 1:
                    position, future = fetching.popleft()
                    fetched = future.result()
                    if isinstance(fetched, _FetchFailed):
                        error = ("fetch", fetched.kind, fetched.message, fetched.status,
                                 fetched.url, fetched.retry)  # fmt: skip
                        finished[position] = ("error", error)
                    else:
                        submitting = position
                        job = ocr_pool.submit(ocr_image, str(fetched.image.path), fetched.url)
                        submitting = None
                        processes.update(getattr(ocr_pool, "_processes", None) or {})
                        ocring[position] = (fetched, job)
                    continue
                # Sleep until the next image in order arrives (if a process could take it) or
                # a page process finishes; done futures elsewhere would make this spin.
                pending = [job for _, job in ocring.values()]
                if fetching and len(ocring) < workers + 1:
                    pending.append(fetching[0][1])
                if pending:
                    wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
        except BrokenProcessPool:
            # A page process died (killed, out of memory): each page in flight gets an error
            # record naming the page and how the process ended, then the manifest stops.
            ocr_pool.shutdown(wait=False, cancel_futures=True)
            in_flight = sorted({*ocring, *([submitting] if submitting is not None else [])})
            ended = process_endings(processes)
            for position in in_flight:
                others = [todo[p].page.index for p in in_flight if p != position]
                also = f" (pages in flight with it: {others})" if others else ""
                message = (
                    f"the page process OCRing canvas {todo[position].page.index} {ended}{also}; "
                    "out of memory perhaps (more MEM or fewer PAGE_PROCESSES); rerun to retry"
                )
                url = ocring[position][0].url if position in ocring else None
                self.error(todo[position], "ocr", "page_process_died", message, None, url)
            raise
        except BaseException:
            # Interrupted (SIGTERM): do not wait for pages in flight.
            ocr_pool.shutdown(wait=False, cancel_futures=True)
            raise
        else:
            ocr_pool.shutdown(wait=True)
        finally:
            bar.close()
            fetch_pool.shutdown(wait=False, cancel_futures=True)


def process_endings(processes: dict[int, Any]) -> str:
    """How the page processes of a broken pool ended, the one that died first: "was killed
    by signal 9 (SIGKILL)", "exited with status 1". The pool itself ends the others with
    SIGTERM, so those are named only when nothing else is known."""
    codes: dict[int, int] = {}
    for pid, process in processes.items():
        process.join(timeout=5)
        if process.exitcode not in (None, 0):
            codes[pid] = process.exitcode
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


def short_label(label: str) -> str:
    """A label as records carry it: at most MAX_LABEL_CHARS characters."""
    if len(label) <= MAX_LABEL_CHARS:
        return label
    return label[: MAX_LABEL_CHARS - 1] + "\u2026"


def _tidy_complete(out: Path) -> None:
    """A complete `out` needs no errors file and no lock: remove those a worker killed
    between its rename and its clean-up left behind (a live worker's lock stays)."""
    errors_path(out).unlink(missing_ok=True)
    lock = lock_path(out)
    if lock.exists() and lock_is_stale(lock, STALE_AFTER_S)[0]:
        lock.unlink(missing_ok=True)


def _remove_dead_temps(out: Path) -> None:
    """The temporary files of atomic rewrites of `<out>.part` and `<out>.errors.jsonl` that a
    killed worker left (only the lock holder writes those: called with the lock held)."""
    for name in (part_path(out).name, errors_path(out).name):
        for temp in out.parent.glob(f".{glob.escape(name)}.*.tmp"):
            temp.unlink(missing_ok=True)


def _stopped(
    manifest_url: str, out: Path, message: str, begun: float, status: Status = "not_started"
) -> ProcessingResult:
    """The result of a run that ended before its pages were done."""
    log.error("%s: %s", printable(manifest_url), printable(message))
    return ProcessingResult(
        manifest_url=manifest_url,
        out=out,
        status=status,
        message=message,
        elapsed_s=time.monotonic() - begun,
    )


def _manifest_error(
    out: Path, manifest_url: str, message: str, kind: str, status: int | None
) -> None:
    """A manifest that cannot be read is recorded next to its output, for summaries."""
    provenance = current_provenance()
    record = PageError(
        page_key=f"{manifest_url}|manifest",
        canvas_index=-1,
        manifest_url=manifest_url,
        canvas_id="",
        image_url=None,
        stage="manifest",
        kind=kind,
        status=status,
        message=message,
        hint=hint_for(kind, status),
        host=provenance.host,
        slurm=provenance.slurm,
    )
    atomic_write_bytes(errors_path(out), jsonl_line(record))


def process_manifest(
    manifest_url: str, out: Path, options: WorkerOptions | None = None
) -> ProcessingResult:
    """OCR every page of one manifest into `out` (JSONL), resuming from `<out>.part`."""
    options = options or WorkerOptions()
    begun = time.monotonic()
    out = Path(out)
    if options.resume and out.exists():
        try:
            pages = len(repair_and_read_keys(out))
            _tidy_complete(out)
        except OSError as err:
            return _stopped(manifest_url, out, describe_os_error(err), begun, "stopped")
        return ProcessingResult(
            manifest_url=manifest_url,
            out=out,
            status="complete",
            message="already complete",
            pages_total=pages,
            pages_skipped=pages,
            elapsed_s=time.monotonic() - begun,
        )
    try:
        ref, model_path = resolve_model(options.model)
    except ModelNotFound as err:
        return _stopped(manifest_url, out, str(err), begun)
    identity = ModelIdentity.of(model_path)
    model = ModelRef(
        ref=ref, resolved=str(model_path), sha256=identity.sha256, doi=model_doi(options.model)
    )
    try:
        lock = ManifestLock(out)
        lock.acquire()
    except LockedError as err:
        return _stopped(manifest_url, out, str(err), begun, "locked")
    except OSError as err:
        return _stopped(manifest_url, out, describe_os_error(err), begun, "stopped")
    try:
        if lock.took_over:
            log.warning("took over a stale lock: %s", lock.took_over)
            _remove_dead_temps(out)
        if not options.resume:  # only now that no other worker can be writing them
            for path in (out, part_path(out), errors_path(out), stats_path(out)):
                path.unlink(missing_ok=True)
        try:
            cache = ImageCache(options.cache_dir, options.offline)
            pages = load_manifest(manifest_url, cache, options.max_pages)
        except (FetchError, IIIFError) as err:
            kind = "manifest_http" if isinstance(err, FetchError) else "manifest_invalid"
            status = err.status if isinstance(err, FetchError) else None
            _manifest_error(out, manifest_url, str(err), kind, status)
            return _stopped(manifest_url, out, f"cannot read the manifest: {err}", begun)
        for note in pages.notes:
            log.info("%s: %s", manifest_url, note)
        request = ImageRequest(size=options.size)
        plan = plan_pages(manifest_url, pages, identity.sha256, request, options.max_pages)
        for skipped in pages.skipped:
            log.info("canvas %d (%s) skipped: %s", skipped.index, skipped.canvas_id, skipped.reason)
        if not plan:
            empty = pages.no_pages_reason() or "the manifest has no canvases"
            _manifest_error(out, manifest_url, empty, "manifest_empty", None)
            return _stopped(manifest_url, out, empty, begun)
        plan_keys = {page.page_key for page in plan}
        done_keys = set(repair_and_read_keys(part_path(out), plan_keys))
        todo = [page for page in plan if page.page_key not in done_keys]
        writer = RecordWriter(out)
        state = _Run(manifest_url, options, model, writer)
        try:
            if todo:
                state.run(todo, model_path)
        except OSError as err:  # disk full, say: what is written is whole, a rerun resumes
            stopped = _stopped(manifest_url, out, describe_os_error(err), begun, "stopped")
            return stopped.model_copy(
                update={
                    "pages_total": len(plan),
                    "pages_skipped": len(plan) - len(todo),
                    "pages_done": state.done,
                    "pages_failed": state.failed,
                }
            )
        finally:
            writer.close()
        complete = state.failed == 0 and state.done == len(todo)
        if complete:
            writer.finish()
            pause_point("finish")  # crash tests hold here: renamed, the lock still held
        result = ProcessingResult(
            manifest_url=manifest_url,
            out=out,
            status="complete" if complete else "page_errors",
            message="" if complete else f"{state.failed} page(s) failed; see {writer.errors}",
            pages_total=len(plan),
            pages_skipped=len(plan) - len(todo),
            pages_done=state.done,
            pages_failed=state.failed,
            elapsed_s=time.monotonic() - begun,
        )
        return result
    except BrokenProcessPool as err:
        message = f"a page process died ({err}), out of memory perhaps; rerun to resume"
        return _stopped(manifest_url, out, message, begun, "page_errors")
    except OSError as err:  # disk full, say: what is written is whole, a rerun resumes
        return _stopped(manifest_url, out, describe_os_error(err), begun, "stopped")
    finally:
        lock.release()
