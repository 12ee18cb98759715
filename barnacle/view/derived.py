"""The exports of a run (`runs/<RUN>/iiif/`, `alto/`, `text/`, written by `make export`, issue
#10), served so that the derived manifests' ids resolve on this server.

One manifest's exports are made on demand (barnacle.export.export_jsonl, the step behind
`make export`) when missing or older than its JSONL. Their ids start with the PUBLISH_URL they
were exported with; when that is not this server's `/iiif/` address (another VIEW_PORT or HOST,
or a `make export PUBLISH_URL=...` for a real publication), the base is rewritten on the way
out, so the files on disk stay what would be published.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from barnacle.export import ExportOptions, export_jsonl
from barnacle.export.run import stale
from barnacle.export.source_manifest import run_cache_dir
from barnacle.run_folder import RunFolder


class ExportFailed(RuntimeError):
    """A manifest's export did not produce the file asked for (say, no cached source)."""


class DerivedIIIF:
    """Exports of one run, made when stale, read with their ids moved to this server."""

    def __init__(self, run_dir: Path, cache_dir: Path | None = None) -> None:
        self.run_dir = run_dir
        self.run = RunFolder(run_dir)
        self.cache_dir = cache_dir or run_cache_dir(run_dir)
        self._lock = threading.Lock()
        self._sizes: dict[str, tuple[int, dict[str, tuple[int, int]]]] = {}

    def jsonl(self, sha1: str) -> Path:
        return self.run.output(sha1)

    def ensure(self, sha1: str, publish_url: str, formats: Sequence[str] = ("iiif",)) -> bool:
        """Export `formats` of `sha1` where missing or stale. False when the manifest has no
        finished JSONL; ExportFailed when the export could not write a format."""
        jsonl = self.jsonl(sha1)
        if not jsonl.is_file():
            return False
        todo = [f for f in formats if stale(jsonl, self.run.export_target(f, sha1))]
        if not todo:
            return True
        with self._lock:
            todo = [f for f in todo if stale(jsonl, self.run.export_target(f, sha1))]
            if todo:
                options = ExportOptions(publish_url=publish_url, cache_dir=self.cache_dir)
                done = export_jsonl(jsonl, todo, self.run_dir, options)
                missing = [f for f in todo if not self.run.export_target(f, sha1).exists()]
                if missing:
                    problems = done.all_problems
                    why = str(problems[0]) if problems else "nothing written"
                    raise ExportFailed(f"export of {sha1} ({', '.join(missing)}) failed: {why}")
        return True

    def read(self, sha1: str, fmt: str, path: Path, publish_url: str) -> bytes | None:
        """An export file of `sha1` (exported first if stale), with the ids of the derived
        IIIF moved to `publish_url`; None when there is no such file."""
        if not self.ensure(sha1, publish_url, (fmt,)) or not path.is_file():
            return None
        data = path.read_bytes()
        if fmt != "iiif":
            return data
        old = self.base_of(sha1)
        if not old or old == publish_url:
            return data
        text = data.decode("utf-8")
        for before, after in _moves(old, publish_url):
            text = text.replace(json.dumps(before)[1:-1], json.dumps(after)[1:-1])
        return text.encode("utf-8")

    def base_of(self, sha1: str) -> str | None:
        """The PUBLISH_URL a manifest was exported with, from its id."""
        path = self.run.iiif_manifest(sha1)
        try:
            ident = json.loads(path.read_bytes()).get("id", "")
        except (OSError, ValueError, AttributeError):
            return None
        suffix = f"{sha1}/manifest.json"
        return ident[: -len(suffix)] if isinstance(ident, str) and ident.endswith(suffix) else None

    def canvas_sizes(self, sha1: str, publish_url: str) -> dict[str, tuple[int, int]]:
        """canvas id -> (width, height) from the derived manifest; empty when there is none."""
        try:
            self.ensure(sha1, publish_url)
        except ExportFailed:
            pass
        manifest = self.run.iiif_manifest(sha1)
        try:
            stamp = manifest.stat().st_mtime_ns
        except FileNotFoundError:
            return {}
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


def _moves(old: str, new: str) -> list[tuple[str, str]]:
    """URL prefixes to rewrite: the iiif/ base, and the alto/ and text/ folders beside it
    (the derived manifest's `rendering` links)."""
    moves = [(old, new)]
    for folder in ("alto/", "text/"):
        moves.append((urljoin(old, f"../{folder}"), urljoin(new, f"../{folder}")))
    return moves
