"""Helpers of the hostile-input tests: our entry points run as commands that must never print a
traceback or a terminal escape, the records of a JSONL read as any line reader must read them,
a canvas painted with a decompression bomb, and the files under a folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support import iiif_docs as docs
from support.hostile_documents import bomb_png
from support.paths import REPO
from support.scripted_server import Response, ScriptedServer

SCRIPTS = REPO / "scripts"


def jsonl_records(path: Path) -> list[dict]:
    """The records of a JSONL file, which any line reader must split alike: a record never
    holds a raw U+2028 or NEL, which str.splitlines takes for a line end."""
    text = path.read_text(encoding="utf-8")
    assert text.splitlines() == text.split("\n")[:-1]
    return [json.loads(line) for line in text.splitlines()]


def run_clean(args: list[str], cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """A command line of ours, which must never print a traceback or a terminal escape."""
    done = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout,
    )
    for stream in (done.stdout, done.stderr):
        assert "Traceback" not in stream and "\x1b" not in stream, stream[-3000:]
    return done


def script(name: str, *args: str) -> list[str]:
    return [str(SCRIPTS / name), *args]


def barnacle(*args: str) -> list[str]:
    return ["-m", "barnacle", *args]


def bomb_canvas(index: int) -> dict:
    """A canvas painted with /bomb.png directly (no image service)."""
    canvas = docs.v3_canvas(f"bomb{index}")
    body = canvas["items"][0]["items"][0]["body"]
    body["id"] = "{base}/bomb.png"
    del body["service"]
    return canvas


def serve_bomb(server: ScriptedServer) -> None:
    server.route("/bomb.png", Response(200, bomb_png(), {"Content-Type": "image/png"}))


def tree(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*")}
