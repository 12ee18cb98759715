"""What runs in each page process: the Kraken engine, loaded once, applied to cached images.

Results cross the process boundary as values (PageRead, PageFailed), not exceptions: exceptions
with custom constructors do not survive pickling.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time
import warnings
from pathlib import Path
from typing import Any

from barnacle.defaults import BATCH_SIZE, PRECISION
from barnacle.hashing import file_sha256
from barnacle.images import ImageError, open_image, set_max_image_pixels
from barnacle.pause_points import pause_point
from barnacle.worker.page_lookahead import NetworkAhead, network_ahead_wanted
from barnacle.worker.page_result import PageFailed, PageRead

_engine: Any = None
_engine_args: tuple[Any, ...] | None = None
_ahead: NetworkAhead | None = None  # the next page's network pass, on a GPU


def _die_with_parent() -> None:
    """Linux: end this process when the worker that started it dies (SIGKILL, scancel)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def init_engine(
    model_path: str,
    device: str,
    threads: int,
    max_image_pixels: int | None,
    child: bool = True,
    *,
    precision: str = PRECISION,
    batch_size: int = BATCH_SIZE,
    segmentation_cache: str | None = None,
) -> None:
    """Load the models once for every page this process will do (a pool initializer, or
    called in the worker itself when it runs a single page process inline). Page processes
    on one GPU share it, each post-processing its pages on its own CPU core.
    segmentation_cache: the shared cache folder whose segmentations are reused."""
    global _engine, _engine_args, _ahead
    if child:
        _die_with_parent()
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    if max_image_pixels:
        set_max_image_pixels(max_image_pixels)
    args = (model_path, device, threads, precision, batch_size, segmentation_cache)
    if _engine is None or _engine_args != args:
        # Lightning (under kraken) warns that `srun` exists whenever it runs inside SLURM.
        warnings.filterwarnings("ignore", message=r".*`srun` command is available")
        from barnacle.ocr import KrakenEngine
        from barnacle.ocr.segmentation_cache import SegmentationCache

        cache = SegmentationCache(segmentation_cache) if segmentation_cache else None
        _engine = KrakenEngine(
            model_path,
            device=device,
            threads=threads,
            precision=precision,
            batch_size=batch_size,
            segmentation_cache=cache,
        )
        _engine_args = args
    if not (network_ahead_wanted(device) and _engine.network_ahead_possible):
        _ahead = None
    elif _ahead is None or _ahead.engine is not _engine:
        _ahead = NetworkAhead(_engine)


def _network_ahead(
    image: Any, image_sha256: str | None, made: Any, next_page: tuple[str, str] | None
) -> Any:
    """Start the next page's network pass in the thread once this page's is done (made
    here when it was not made ahead); this page's network pass (None: kraken's call)."""
    if _ahead is None or next_page is None:
        return made
    if made is None and not _engine.has_cached_segmentation(image_sha256):
        made = _engine.network_pass(image)
    _ahead.start(*next_page)
    return made


def ocr_image(
    image_path: str, url: str, next_page: tuple[str, str] | None = None
) -> PageRead | PageFailed:
    """Decode and OCR one cached image: Kraken's reading, or the stage and kind of failure.
    next_page: (image path, URL) of the page this process will be given next, whose decode
    and network pass then run in a thread during this page's post-processing (on a GPU)."""
    from barnacle.ocr import OcrError

    started = time.perf_counter()
    made = _ahead.take(image_path) if _ahead is not None else None
    try:
        image = made.image if made is not None else open_image(Path(image_path), url)
    except ImageError as err:
        return PageFailed(stage="decode", kind=err.kind, message=str(err), status=err.status)
    decode_ms = (time.perf_counter() - started) * 1000
    pause_point("ocr")  # crash tests hold here: a page about to be recognised
    try:
        wants_sha = _engine.segmentation_cache is not None
        image_sha256 = file_sha256(Path(image_path)) if wants_sha else None
        made = _network_ahead(image, image_sha256, made, next_page)
        result = _engine.ocr(image, image_sha256, network_pass=made)
    except OcrError as err:
        return PageFailed(stage=err.stage, kind="kraken", message=str(err))
    except MemoryError:
        return PageFailed(stage="ocr", kind="memory", message="out of memory during OCR")
    finally:
        image.close()
    return PageRead(ocr=result, decode_ms=decode_ms)
