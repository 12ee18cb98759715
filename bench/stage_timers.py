"""Seconds spent in each stage of kraken's page segmentation, taken by wrapping kraken's own
functions with timers (nothing in kraken changes what it computes).

  network       VGSLSegmentationInference._compute_segmentation_map (forward pass, upsampling)
  ridge filter  the `filters.sato` call in kraken.lib.segmentation.vectorize_lines (skimage's,
                or barnacle's stand-in when the engine put it there)
  polygons      calculate_polygonal_environment, as kraken's vec_lines calls it per line

Install after the KrakenEngine is made (the engine may put barnacle's ridge filter in place).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

STAGES = ("network", "ridge filter", "polygons", "recognition")


def _timed(seconds: dict[str, float], stage: str, call: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return call(*args, **kwargs)
        finally:
            seconds[stage] += time.perf_counter() - started

    return wrapper


class _TimedFilters:
    """Whatever kraken.lib.segmentation.filters was, with its `sato` timed."""

    def __init__(self, filters: Any, seconds: dict[str, float]) -> None:
        self._filters = filters
        self.sato = _timed(seconds, "ridge filter", filters.sato)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._filters, name)


class StageTimers:
    """Per-stage seconds summed over the pages done since `install`."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.pages = 0

    def install(self) -> StageTimers:
        from kraken.lib import segmentation
        from kraken.lib.vgsl import spred

        cls = spred.VGSLSegmentationInference
        cls._compute_segmentation_map = _timed(  # type: ignore[method-assign]
            self.seconds, "network", cls._compute_segmentation_map
        )
        spred.calculate_polygonal_environment = _timed(
            self.seconds, "polygons", spred.calculate_polygonal_environment
        )
        segmentation.filters = _TimedFilters(segmentation.filters, self.seconds)
        return self

    def page(self, segment_ms: float, recognise_ms: float) -> None:
        """Count one page, with the engine's own segment/recognise times."""
        self.pages += 1
        self.seconds["segmentation"] += segment_ms / 1000
        self.seconds["recognition"] += recognise_ms / 1000

    def per_page(self) -> dict[str, float]:
        """Mean seconds per page of each stage, and of the rest of segmentation ('other')."""
        pages = max(1, self.pages)
        mean = {stage: self.seconds.get(stage, 0.0) / pages for stage in STAGES}
        inside = mean["network"] + mean["ridge filter"] + mean["polygons"]
        mean["other"] = self.seconds.get("segmentation", 0.0) / pages - inside
        return mean


def split_line(per_page: dict[str, float]) -> str:
    """'network 6.4 s, ridge filter 3.8 s, ...' for one row of a benchmark's output."""
    return ", ".join(f"{stage} {per_page[stage]:.2f} s" for stage in (*STAGES, "other"))
