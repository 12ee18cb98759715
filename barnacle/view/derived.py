"""The derived IIIF of a run (`runs/<RUN>/iiif/`, written by `make export`), served so that its
ids resolve on this server.

A manifest is exported on demand (the export of issue #10, `barnacle.export.export_run`) when
its manifest.json is missing or older than its JSONL. Its ids start with the PUBLISH_URL it
was exported with; when that is not this server's `/iiif/` address (another VIEW_PORT or
HOST, or a `make export PUBLISH_URL=...` for a real publication), the base is rewritten on the
way out, so the files on disk stay what would be published.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from barnacle.run.layout import ocr_dir


class ExportUnavailable(RuntimeError):
    """The export step (issue #10) is not installed in this checkout."""


def iiif_dir(run_dir: Path) -> Path:
    return run_dir / "iiif"


def manifest_path(run_dir: Path, sha1: str) -> Path:
    return iiif_dir(run_dir) / sha1 / "manifest.json"


class DerivedIIIF:
    """Derived manifests and annotation pages of one run, exported when stale."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self._lock = threading.Lock()
        self._sizes: dict[str, tuple[int, dict[str, tuple[int, int]]]] = {}

    def stale(self, sha1: str) -> bool:
        jsonl = ocr_dir(self.run_dir) / f"{sha1}.jsonl"
        manifest = manifest_path(self.run_dir, sha1)
        try:
            source = jsonl.stat().st_mtime_ns
        except FileNotFoundError:
            return False  # not finished: nothing to export
        try:
            return manifest.stat().st_mtime_ns < source
        except FileNotFoundError:
            return True

    def ensure(self, sha1: str, publish_url: str) -> Path | None:
        """The manifest.json of `sha1`, exported first if missing or stale; None when the
        manifest has no finished JSONL."""
        if self.stale(sha1):
            with self._lock:
                if self.stale(sha1):
                    self._export(publish_url)
        path = manifest_path(self.run_dir, sha1)
        return path if path.is_file() else None

    def _export(self, publish_url: str) -> None:
        try:
            from barnacle.export import export_run  # type: ignore[import-not-found, unused-ignore]
        except ImportError as err:
            raise ExportUnavailable(
                "the export step (barnacle.export, `make export`) is not installed here"
            ) from err
        export_run(self.run_dir, ["iiif"], publish_url=publish_url)

    def read(self, sha1: str, rel: str, publish_url: str) -> bytes | None:
        """`iiif/<sha1>/<rel>` (manifest.json or annotations/NNNN.json) with its ids moved to
        `publish_url`; None when there is no such file."""
        manifest = self.ensure(sha1, publish_url)
        if manifest is None:
            return None
        path = (manifest.parent / rel).resolve()
        if not path.is_relative_to(manifest.parent.resolve()) or not path.is_file():
            return None
        text = path.read_text(encoding="utf-8")
        old = self.base_of(manifest, sha1)
        if old and old != publish_url:
            text = text.replace(json.dumps(old)[1:-1], json.dumps(publish_url)[1:-1])
        return text.encode("utf-8")

    @staticmethod
    def base_of(manifest: Path, sha1: str) -> str | None:
        """The PUBLISH_URL a manifest was exported with, from its id."""
        try:
            ident = json.loads(manifest.read_bytes()).get("id", "")
        except (OSError, ValueError):
            return None
        suffix = f"{sha1}/manifest.json"
        return ident[: -len(suffix)] if isinstance(ident, str) and ident.endswith(suffix) else None

    def canvas_sizes(self, sha1: str, publish_url: str) -> dict[str, tuple[int, int]]:
        """canvas id -> (width, height) from the derived manifest; empty when there is none."""
        try:
            manifest = self.ensure(sha1, publish_url)
        except ExportUnavailable:
            manifest = None
        if manifest is None:
            return {}
        stamp = manifest.stat().st_mtime_ns
        cached = self._sizes.get(sha1)
        if cached and cached[0] == stamp:
            return cached[1]
        data: dict[str, Any] = json.loads(manifest.read_bytes())
        sizes = {
            str(canvas.get("id")): (int(canvas.get("width", 0)), int(canvas.get("height", 0)))
            for canvas in data.get("items", [])
            if isinstance(canvas, dict)
        }
        self._sizes[sha1] = (stamp, sizes)
        return sizes

    def scale(
        self, sha1: str, canvas_id: str, image_size: tuple[int, int], publish_url: str
    ) -> tuple[float, float]:
        """Image pixels -> canvas units for one page (1:1 when the canvas size is unknown)."""
        width, height = self.canvas_sizes(sha1, publish_url).get(canvas_id, (0, 0))
        image_w, image_h = image_size
        if not (width and height and image_w and image_h):
            return 1.0, 1.0
        return width / image_w, height / image_h
