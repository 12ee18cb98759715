"""One manifest -> one JSONL file: take the manifest's lock, plan its pages, skip those an
earlier run did, have the rest fetched and OCRed (page_scheduler), write their records in
canvas order from one writer, and rename `<out>.part` to `<out>` once every page is done."""

from __future__ import annotations

import glob
import logging
import time
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from barnacle.atomic import atomic_write_bytes
from barnacle.display import printable
from barnacle.http_client import FetchError
from barnacle.iiif import IIIFError, ImageRequest
from barnacle.images import ImageCache
from barnacle.model_files.resolve import ModelNotFound, model_doi, resolve_model
from barnacle.ocr.identity import ModelIdentity
from barnacle.oserrors import describe_os_error
from barnacle.pause_points import pause_point
from barnacle.records import ModelRef
from barnacle.records.provenance import current_provenance
from barnacle.run_folder import errors_of, lock_of, part_of, stats_of
from barnacle.worker.lock import STALE_AFTER_S, LockedError, ManifestLock, lock_is_stale
from barnacle.worker.manifest_source import load_manifest
from barnacle.worker.options import ProcessingResult, Status, WorkerOptions
from barnacle.worker.output_files import RecordWriter, jsonl_line, repair_and_read_keys
from barnacle.worker.page_plan import PagePlan, plan_pages
from barnacle.worker.page_result import PageFailed, PageResult
from barnacle.worker.page_scheduler import schedule_pages
from barnacle.worker.record_assembly import ManifestShared, manifest_error, page_error, page_record

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Job:
    """One manifest to do: its URL, its output file, the options, and when it was begun."""

    manifest_url: str
    out: Path
    options: WorkerOptions
    begun: float


@dataclass
class _Tally:
    """The pages of this pass: planned, done by an earlier run, done and failed by this one."""

    total: int = 0
    skipped: int = 0
    done: int = 0
    failed: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "pages_total": self.total,
            "pages_skipped": self.skipped,
            "pages_done": self.done,
            "pages_failed": self.failed,
        }


class _Stop(Exception):
    """The manifest ends before its pages are done, with this status and message (and the
    pages counted so far, when it ends while writing them)."""

    def __init__(self, status: Status, message: str, tally: _Tally | None = None) -> None:
        super().__init__(message)
        self.status: Status = status
        self.message = message
        self.tally = tally or _Tally()

    @classmethod
    def os_error(cls, err: OSError, tally: _Tally | None = None) -> _Stop:
        """Disk full, say: what is written is whole, and a rerun resumes."""
        return cls("stopped", describe_os_error(err), tally)

    def result(self, job: _Job) -> ProcessingResult:
        log.error("%s: %s", printable(job.manifest_url), printable(self.message))
        return ProcessingResult(
            manifest_url=job.manifest_url,
            out=job.out,
            status=self.status,
            message=self.message,
            **self.tally.counts(),
            elapsed_s=time.monotonic() - job.begun,
        )


def process_manifest(
    manifest_url: str, out: Path, options: WorkerOptions | None = None
) -> ProcessingResult:
    """OCR every page of one manifest into `out` (JSONL), resuming from `<out>.part`."""
    job = _Job(manifest_url, Path(out), options or WorkerOptions(), time.monotonic())
    try:
        if job.options.resume and job.out.exists():
            return _already_complete(job)
        model, model_path = _model(job.options)
        return _under_lock(job, model, model_path)
    except _Stop as stop:
        return stop.result(job)


def _already_complete(job: _Job) -> ProcessingResult:
    """A finished `out` (repaired if its last line broke off), and the files a worker
    killed after its rename left next to it removed."""
    try:
        pages = len(repair_and_read_keys(job.out))
        _tidy_complete(job.out)
    except OSError as err:
        raise _Stop.os_error(err) from err
    return ProcessingResult(
        manifest_url=job.manifest_url,
        out=job.out,
        status="complete",
        message="already complete",
        pages_total=pages,
        pages_skipped=pages,
        elapsed_s=time.monotonic() - job.begun,
    )


def _model(options: WorkerOptions) -> tuple[ModelRef, Path]:
    """The recognition model, as records name it, and its file."""
    try:
        ref, model_path = resolve_model(options.model)
    except ModelNotFound as err:
        raise _Stop("not_started", str(err)) from err
    identity = ModelIdentity.of(model_path)
    model = ModelRef(
        ref=ref, resolved=str(model_path), sha256=identity.sha256, doi=model_doi(options.model)
    )
    return model, model_path


def _take_lock(out: Path) -> ManifestLock:
    try:
        lock = ManifestLock(out)
        lock.acquire()
    except LockedError as err:
        raise _Stop("locked", str(err)) from err
    except OSError as err:
        raise _Stop.os_error(err) from err
    return lock


def _under_lock(job: _Job, model: ModelRef, model_path: Path) -> ProcessingResult:
    """One pass over the manifest with its lock held; a page process that died or an
    OSError (disk full, say: what is written is whole) stops it, and the lock goes."""
    lock = _take_lock(job.out)
    try:
        return _locked_pass(job, model, model_path, lock)
    except BrokenProcessPool as err:
        message = f"a page process died ({err}), out of memory perhaps; rerun to resume"
        raise _Stop("page_errors", message) from err
    except OSError as err:
        raise _Stop.os_error(err) from err
    finally:
        lock.release()


def _locked_pass(
    job: _Job, model: ModelRef, model_path: Path, lock: ManifestLock
) -> ProcessingResult:
    """With the lock held: plan, skip the pages done, write the rest, finish when all are."""
    out, options = job.out, job.options
    if lock.took_over:
        log.warning("took over a stale lock: %s", lock.took_over)
        _remove_dead_temps(out)
    if not options.resume:  # only now that no other worker can be writing them
        for path in (out, part_of(out), errors_of(out), stats_of(out)):
            path.unlink(missing_ok=True)
    plan = _plan(job, model.sha256)
    done_keys = set(repair_and_read_keys(part_of(out), {page.page_key for page in plan}))
    todo = [page for page in plan if page.page_key not in done_keys]
    tally = _Tally(total=len(plan), skipped=len(plan) - len(todo))
    shared = ManifestShared(
        manifest_url=job.manifest_url,
        model=model,
        metadata=options.metadata,
        provenance=current_provenance(),
    )
    writer = RecordWriter(out)
    _write_pages(todo, model_path, options, shared, writer, tally)
    complete = tally.failed == 0 and tally.done == len(todo)
    if complete:
        writer.finish()
        pause_point("finish")  # crash tests hold here: renamed, the lock still held
    return ProcessingResult(
        manifest_url=job.manifest_url,
        out=out,
        status="complete" if complete else "page_errors",
        message="" if complete else f"{tally.failed} page(s) failed; see {writer.errors}",
        **tally.counts(),
        elapsed_s=time.monotonic() - job.begun,
    )


def _plan(job: _Job, model_sha256: str) -> list[PagePlan]:
    """The manifest's pages under their keys; a manifest that cannot be read or has no pages
    is recorded in `<out>.errors.jsonl` and stops here."""
    manifest_url, out, options = job.manifest_url, job.out, job.options
    try:
        cache = ImageCache(options.cache_dir, options.offline)
        pages = load_manifest(manifest_url, cache, options.max_pages)
    except (FetchError, IIIFError) as err:
        kind = "manifest_http" if isinstance(err, FetchError) else "manifest_invalid"
        status = err.status if isinstance(err, FetchError) else None
        _write_manifest_error(out, manifest_url, kind, str(err), status)
        raise _Stop("not_started", f"cannot read the manifest: {err}") from err
    for note in pages.notes:
        log.info("%s: %s", manifest_url, note)
    request = ImageRequest(size=options.size)
    plan = plan_pages(manifest_url, pages, model_sha256, request, options.max_pages)
    for skipped in pages.skipped:
        log.info("canvas %d (%s) skipped: %s", skipped.index, skipped.canvas_id, skipped.reason)
    if not plan:
        empty = pages.no_pages_reason() or "the manifest has no canvases"
        _write_manifest_error(out, manifest_url, "manifest_empty", empty, None)
        raise _Stop("not_started", empty)
    return plan


def _write_manifest_error(
    out: Path, manifest_url: str, kind: str, message: str, status: int | None
) -> None:
    """A manifest that cannot be read is recorded next to its output, for summaries."""
    failed = PageFailed(stage="manifest", kind=kind, message=message, status=status)
    atomic_write_bytes(errors_of(out), jsonl_line(manifest_error(manifest_url, failed)))


def _write_pages(
    todo: list[PagePlan],
    model_path: Path,
    options: WorkerOptions,
    shared: ManifestShared,
    writer: RecordWriter,
    tally: _Tally,
) -> None:
    """Each page's record (or error record) as its result comes, counted in `tally`; an
    OSError (disk full, say) stops the manifest with the pages counted so far."""
    try:
        if todo:
            with closing(schedule_pages(todo, model_path, options)) as results:
                for plan, result in results:
                    _write_page(shared, writer, tally, plan, result)
    except OSError as err:
        raise _Stop.os_error(err, tally) from err
    finally:
        writer.close()


def _write_page(
    shared: ManifestShared, writer: RecordWriter, tally: _Tally, plan: PagePlan, result: PageResult
) -> None:
    if isinstance(result, PageFailed):
        tally.failed += 1
        record = page_error(shared, plan, result)
        log.warning("page %d failed (%s): %s", plan.page.index, result.kind, result.message)
        writer.write_error(record)
        return
    writer.write(page_record(shared, plan, result))
    tally.done += 1


def _tidy_complete(out: Path) -> None:
    """A complete `out` needs no errors file and no lock: remove those a worker killed
    between its rename and its clean-up left behind (a live worker's lock stays)."""
    errors_of(out).unlink(missing_ok=True)
    lock = lock_of(out)
    if lock.exists() and lock_is_stale(lock, STALE_AFTER_S)[0]:
        lock.unlink(missing_ok=True)


def _remove_dead_temps(out: Path) -> None:
    """The temporary files of atomic rewrites of `<out>.part` and `<out>.errors.jsonl` that a
    killed worker left (only the lock holder writes those: called with the lock held)."""
    for name in (part_of(out).name, errors_of(out).name):
        for temp in out.parent.glob(f".{glob.escape(name)}.*.tmp"):
            temp.unlink(missing_ok=True)
