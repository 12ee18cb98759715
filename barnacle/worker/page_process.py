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
from barnacle.worker.page_result import PageFailed, PageRead

_engine: Any = None
_engine_args: tuple[Any, ...] | None = None


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
    global _engine, _engine_args
    if child:
        _die_with_parent()
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    if max_image_pixels:
        set_max_image_pixels(max_image_pixels)
    args = (model_path, device, threads, precision, batch_size, segmentation_cache)
    if _engine is not None and _engine_args == args:
        return
    # Lightning (under kraken) warns that `srun` exists whenever it runs inside SLURM.
    warnings.filterwarnings("ignore", message=r".*`srun` command is available")
    from barnacle.ocr import KrakenEngine
    from barnacle.ocr.segmentation_cache import SegmentationCache

    _engine = KrakenEngine(
        model_path,
        device=device,
        threads=threads,
        precision=precision,
        batch_size=batch_size,
        segmentation_cache=SegmentationCache(segmentation_cache) if segmentation_cache else None,
    )
    _engine_args = args


def ocr_image(image_path: str, url: str) -> PageRead | PageFailed:
    """Decode and OCR one cached image: Kraken's reading, or the stage and kind of failure."""
    from barnacle.ocr import OcrError

    started = time.perf_counter()
    try:
        image = open_image(Path(image_path), url)
    except ImageError as err:
        return PageFailed(stage="decode", kind=err.kind, message=str(err), status=err.status)
    decode_ms = (time.perf_counter() - started) * 1000
    pause_point("ocr")  # crash tests hold here: a page about to be recognised
    try:
        image_sha256 = file_sha256(Path(image_path)) if _engine.segmentation_cache else None
        result = _engine.ocr(image, image_sha256)
    except OcrError as err:
        return PageFailed(stage=err.stage, kind="kraken", message=str(err))
    except MemoryError:
        return PageFailed(stage="ocr", kind="memory", message="out of memory during OCR")
    finally:
        image.close()
    return PageRead(ocr=result, decode_ms=decode_ms)
