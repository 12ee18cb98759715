"""A page process keeping its GPU busy: the next page's decode and segmentation network pass run
in a thread of the page process while the current page is post-processed and recognised on
the CPU (torch releases the GIL in its kernels, and the post-processing mostly in numpy).

The worker names the next page when it hands one over (only where the same page process is
sure to get it: a single page process). The results are the same as without: the thread
runs exactly kraken's network call, and the page's own call takes its output.
BARNACLE_NETWORK_AHEAD=1 turns it on on a CPU too (tests), 0 off; by default it is on where
the page process's device is a GPU.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from barnacle.hashing import file_sha256
from barnacle.images import ImageError, open_image

if TYPE_CHECKING:
    from barnacle.ocr import KrakenEngine
    from barnacle.ocr.engine import NetworkPass

# 1 (on, yes, true) or 0 (off, no, false): the next page's network pass made ahead.
SWITCH = "BARNACLE_NETWORK_AHEAD"


def network_ahead_wanted(device: str) -> bool:
    """What BARNACLE_NETWORK_AHEAD says; when unset, whether `device` is a GPU."""
    value = os.environ.get(SWITCH, "").strip().lower()
    if value:
        return value not in ("0", "off", "no", "false")
    return device.strip().lower().startswith("cuda")


def _network_pass(engine: KrakenEngine, image_path: str, url: str) -> NetworkPass | None:
    """The page's decode and network pass, or None where the page's own call must do it
    (a bad image: that call reports it; a segmentation already cached: none is needed)."""
    from barnacle.ocr import OcrError

    try:
        image = open_image(Path(image_path), url)
    except ImageError:
        return None
    if engine.segmentation_cache is not None and engine.has_cached_segmentation(
        file_sha256(Path(image_path))
    ):
        return None
    try:
        return engine.network_pass(image)
    except (OcrError, MemoryError):
        return None


class NetworkAhead:
    """One page's network pass in flight in a thread, the next page the worker named."""

    def __init__(self, engine: KrakenEngine) -> None:
        self.engine = engine
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="network-ahead")
        self.pending: tuple[str, Future[NetworkPass | None]] | None = None

    def start(self, image_path: str, url: str) -> None:
        """Decode `image_path` and run its network pass in the thread (one page at a time:
        an earlier page not taken is dropped)."""
        if self.pending is not None and self.pending[0] == image_path:
            return
        future = self.pool.submit(_network_pass, self.engine, image_path, url)
        self.pending = (image_path, future)

    def take(self, image_path: str) -> NetworkPass | None:
        """The network pass made ahead for `image_path` (waiting for it to finish), or None
        when another page (or none) was made ahead."""
        pending, self.pending = self.pending, None
        if pending is None or pending[0] != image_path:
            return None
        return pending[1].result()
