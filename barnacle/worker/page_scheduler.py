"""Feeding a manifest's pages to page processes: images fetched ahead in threads (a window of
page processes + prefetch images on disk or on their way), each handed in canvas order to a
page process, and the pages' results given back in canvas order as they are ready.

Every request of a page (its info.json, its image) is made here, by the fetch threads of this
process, through the process's one HTTP session; page processes only read cached files. So
the session's circuit breaker sees all of a manifest's pages: once an image host is found down,
the remaining pages fail at once instead of each waiting through the retry schedule."""

from __future__ import annotations

import logging
import sys
from collections import deque
from collections.abc import Generator, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from tqdm import tqdm

from barnacle.http_client import FetchError, RetryLog
from barnacle.iiif import IIIFError, ImageRequest
from barnacle.images import ImageCache, fetch_page_image
from barnacle.worker.options import WorkerOptions
from barnacle.worker.page_plan import PagePlan
from barnacle.worker.page_process import ocr_image
from barnacle.worker.page_processes import page_executor, pool_processes, process_endings
from barnacle.worker.page_result import FetchedPage, PageDone, PageFailed, PageRead, PageResult

log = logging.getLogger(__name__)


def fetch_page(
    plan: PagePlan, request: ImageRequest, cache: ImageCache
) -> FetchedPage | PageFailed:
    """A page's image into the cache (a fetch thread's work), or why it could not be had."""
    retry = RetryLog()
    try:
        got = fetch_page_image(plan.page, request, cache, retry_log=retry)
    except FetchError as err:
        kind = getattr(err, "kind", "http")
        return PageFailed(
            stage="fetch",
            kind=kind,
            message=str(err),
            status=err.status,
            image_url=err.url,
            retry=retry,
        )
    except IIIFError as err:
        return PageFailed(stage="fetch", kind="bad_request", message=str(err), retry=retry)
    for note in got.notes:
        log.info("%s: %s", plan.page.canvas_id, note)
    if retry.retries:
        log.info(
            "%s: %d retries (%s)", plan.page.canvas_id, retry.retries, ", ".join(retry.reasons)
        )
    return FetchedPage(**dict(got), retry=retry)


def _outcome(fetched: FetchedPage, read: PageRead | PageFailed) -> PageResult:
    """A page process's answer joined to the page's fetch."""
    if isinstance(read, PageRead):
        return PageDone(fetched=fetched, read=read)
    return read.model_copy(update={"image_url": fetched.url, "retry": fetched.retry})


class _Pass:
    """One pass over a manifest's remaining pages (`todo`): where each page stands.

    Positions index `todo`; pages are fetched, read and given back in that order."""

    def __init__(
        self,
        todo: list[PagePlan],
        workers: int,
        options: WorkerOptions,
        fetch_pool: Executor,
        ocr_pool: Executor,
    ) -> None:
        self.todo = todo
        self.workers = workers
        self.window = workers + options.prefetch  # images on disk or on their way
        self.request = ImageRequest(size=options.size)
        self.cache = ImageCache(options.cache_dir, offline=options.offline)
        self.fetch_pool = fetch_pool
        self.ocr_pool = ocr_pool
        self.fetching: deque[tuple[int, Future[FetchedPage | PageFailed]]] = deque()
        self.reading: dict[int, tuple[FetchedPage, Future[PageRead | PageFailed]]] = {}
        self.finished: dict[int, PageResult] = {}
        self.next_fetch = 0
        self.next_give = 0
        self.submitting: int | None = None  # the page being handed to a page process
        self.processes: dict[int, BaseProcess] = {}  # pid -> the pool's page process

    def results(self) -> Iterator[tuple[PagePlan, PageResult]]:
        """Every page's result, in canvas order."""
        while self.next_give < len(self.todo):
            self._fetch_ahead()
            self._collect_reads()
            # Give back what is ready first: a single inline page process blocks in submit.
            while self.next_give in self.finished:
                yield self.todo[self.next_give], self.finished.pop(self.next_give)
                self.next_give += 1
            if self._can_hand_next():
                self._hand_next()
                continue
            self._sleep()

    def _fetch_ahead(self) -> None:
        while (
            self.next_fetch < len(self.todo)
            and len(self.fetching) + len(self.reading) < self.window
        ):
            page = self.todo[self.next_fetch]
            future = self.fetch_pool.submit(fetch_page, page, self.request, self.cache)
            self.fetching.append((self.next_fetch, future))
            self.next_fetch += 1

    def _collect_reads(self) -> None:
        for position, (fetched, job) in list(self.reading.items()):
            if job.done():
                self.finished[position] = _outcome(fetched, job.result())
                del self.reading[position]

    def _can_hand_next(self) -> bool:
        """The next image in canvas order is here and a page process could take it."""
        return bool(self.fetching) and self.fetching[0][1].done() and self._has_room()

    def _has_room(self) -> bool:
        return len(self.reading) < self.workers + 1

    def _hand_next(self) -> None:
        """Hand the next fetched image (canvas order) to a page process."""
        position, future = self.fetching.popleft()
        fetched = future.result()
        if isinstance(fetched, PageFailed):
            self.finished[position] = fetched
            return
        self.submitting = position
        next_page = self._next_page()
        job = self.ocr_pool.submit(ocr_image, str(fetched.image.path), fetched.url, next_page)
        self.submitting = None
        self.processes.update(pool_processes(self.ocr_pool))
        self.reading[position] = (fetched, job)

    def _next_page(self) -> tuple[str, str] | None:
        """The next page's image (path, URL) when it is fetched and sure to go to the same
        page process (there is one), for it to run that page's network pass ahead."""
        if self.workers != 1 or not self.fetching or not self.fetching[0][1].done():
            return None
        fetched = self.fetching[0][1].result()
        if isinstance(fetched, PageFailed):
            return None
        return str(fetched.image.path), fetched.url

    def _sleep(self) -> None:
        """Sleep until the next image in order arrives (if a process could take it) or a page
        process finishes; done futures elsewhere would make this spin."""
        waits: list[Future[Any]] = [job for _, job in self.reading.values()]
        if self.fetching and self._has_room():
            waits.append(self.fetching[0][1])
        if waits:
            wait(waits, timeout=1.0, return_when=FIRST_COMPLETED)

    def died(self) -> Iterator[tuple[PagePlan, PageFailed]]:
        """After a page process died (killed, out of memory): a failure for each page in
        flight, naming the page and how the process ended."""
        submitting = [self.submitting] if self.submitting is not None else []
        in_flight = sorted({*self.reading, *submitting})
        ended = process_endings(self.processes)
        for position in in_flight:
            page = self.todo[position].page
            others = [self.todo[p].page.index for p in in_flight if p != position]
            also = f" (pages in flight with it: {others})" if others else ""
            message = (
                f"the page process OCRing canvas {page.index} {ended}{also}; "
                "out of memory perhaps (more MEM or fewer PAGE_PROCESSES); rerun to retry"
            )
            url = self.reading[position][0].url if position in self.reading else None
            failed = PageFailed(
                stage="ocr", kind="page_process_died", message=message, image_url=url
            )
            yield self.todo[position], failed


def schedule_pages(
    todo: list[PagePlan], model_path: Path, options: WorkerOptions
) -> Generator[tuple[PagePlan, PageResult], None, None]:
    """Fetch ahead in threads, OCR in page processes, give each page's result back in canvas
    order, with a progress bar counting the pages taken. When a page process dies, the pages
    in flight come back as `page_process_died` failures, then BrokenProcessPool is raised.
    Close the iterator (contextlib.closing) so that an error while taking a result stops the
    pools at once."""
    workers = max(1, min(options.processes, len(todo)))
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
    ocr_pool = page_executor(workers, model_path, options)
    state = _Pass(todo, workers, options, fetch_pool, ocr_pool)
    try:
        for page in state.results():
            yield page
            bar.update(1)
    except BrokenProcessPool:
        ocr_pool.shutdown(wait=False, cancel_futures=True)
        yield from state.died()
        raise
    except BaseException:
        # Interrupted (SIGTERM), or the caller stopped taking: do not wait for pages in flight.
        ocr_pool.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        ocr_pool.shutdown(wait=True)
    finally:
        bar.close()
        fetch_pool.shutdown(wait=False, cancel_futures=True)
