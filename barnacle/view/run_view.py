"""What the view server's handlers share: the run folder, its search index, its derived IIIF
and page images, and the report, rebuilt when the run changed."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from barnacle.run.chart import draw_progress_chart
from barnacle.run.summary import timeline
from barnacle.run_folder import RunFolder
from barnacle.view.derived import DerivedIIIF
from barnacle.view.page_images import PageImages
from barnacle.view.report import report_data
from barnacle.view.search_index import SearchIndex
from barnacle.view.viewer import mirador_dir

REPORT_MAX_AGE_S = 30.0


class RunView:
    """What the handlers share: the run, its index, its derived IIIF, a cached report."""

    def __init__(
        self,
        run_dir: Path,
        refresh_s: float = 5.0,
        mirador: Path | None = None,
        cache_dir: Path | None = None,
    ):
        self.run_dir = run_dir
        self.run = RunFolder(run_dir)
        self.index = SearchIndex(self.run.search_index)
        self.derived = DerivedIIIF(run_dir, cache_dir)
        self.page_images = PageImages(run_dir, self.derived)
        self.refresh_s = refresh_s
        self.mirador = mirador or mirador_dir()
        self._refreshed = 0.0
        self._refresh_lock = threading.Lock()
        self._report: tuple[tuple[Any, ...], float, dict[str, Any], bytes] | None = None
        self._report_lock = threading.Lock()

    def refresh_index(self, strict: bool = False, announce: bool = False) -> list[str]:
        """Index what changed, at most every `refresh_s` seconds (on each call when 0)."""

        def say(count: int) -> None:
            print(
                f"indexing {count} manifest(s) into {self.index.path} "
                "(later starts read only what changed)",
                flush=True,
            )

        with self._refresh_lock:
            now = time.monotonic()
            if not strict and now - self._refreshed < self.refresh_s:
                return []
            done = self.index.refresh(
                self.run_dir, strict=strict, announce=say if announce else None
            )
            self._refreshed = time.monotonic()
            return done

    def _stamp(self) -> tuple[Any, ...]:
        def mtime(path: Path) -> int:
            try:
                return path.stat().st_mtime_ns
            except FileNotFoundError:
                return 0

        return mtime(self.run.ocr_dir), mtime(self.run.manifests_tsv)

    def report(self) -> tuple[dict[str, Any], bytes]:
        """Report figures and chart, rebuilt when ocr/ changed or after REPORT_MAX_AGE_S."""
        with self._report_lock:
            stamp = self._stamp()
            cached = self._report
            if cached and cached[0] == stamp and time.monotonic() - cached[1] < REPORT_MAX_AGE_S:
                return cached[2], cached[3]
            self.refresh_index()
            data = report_data(self.run_dir, self.index)
            chart_file = self.run.view_progress_png
            chart_file.parent.mkdir(exist_ok=True)
            chart = draw_progress_chart(
                timeline(self.run_dir), chart_file, f"run {self.run_dir.name}"
            )
            self._report = (stamp, time.monotonic(), data, chart.read_bytes())
            return data, self._report[3]

    def has_mirador(self) -> bool:
        return (self.mirador / "mirador.min.js").is_file()
