"""A real browser on `make view`: headless Chromium renders the report and a viewer page, the
test reads the rendered DOM (the manifest table's rows; Mirador's window with its canvas and the
annotation list showing the page's OCR lines) and saves screenshots in its temp folder.

Skips where Chromium or the Mirador bundle (`make mirador`) is missing, fails in CI.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlencode

import pytest
from PIL import Image, ImageDraw

from barnacle.listing.manifest_table import manifest_sha1
from barnacle.sample.image_api import ImageServer, Reply
from barnacle.view.viewer import mirador_dir

from support.drawn_boxes import frame_server
from support.threaded_http import local_server, serve_in_thread
from support.view_runs import (
    CANVAS_H,
    CANVAS_W,
    IMAGE_H,
    IMAGE_W,
    canvas_id,
    make_view_run,
    manifest_url,
    view_server,
    write_source_manifest,
)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = os.environ.get("BARNACLE_SCREENSHOTS")  # a folder to copy the screenshots to


def _need(condition: bool, reason: str) -> None:
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (.ci/run installs it)")
        pytest.skip(reason)


def _chromium(url: str, *flags: str, budget_ms: int = 20000) -> str:
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-dev-shm-usage",
            f"--virtual-time-budget={budget_ms}",
            "--window-size=1400,900",
            "--run-all-compositor-stages-before-draw",
            *flags,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _page_image(lines: list[dict]) -> bytes:
    """The full-size page image the viewer shows (the canvas size; OCR read a smaller copy),
    with a dark bar where each OCR line is."""
    image = Image.new("RGB", (CANVAS_W, CANVAS_H), "#f4ecd8")
    draw = ImageDraw.Draw(image)
    sx, sy = CANVAS_W / IMAGE_W, CANVAS_H / IMAGE_H
    for line in lines:
        xs = [p[0] * sx for p in line["boundary"]]
        ys = [p[1] * sy for p in line["boundary"]]
        draw.rectangle([min(xs), min(ys) + 16, max(xs), max(ys) - 16], fill="#333333")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@contextmanager
def _image_service(folder: Path) -> Iterator[str]:
    """A IIIF Image API 3 server on 127.0.0.1 for the PNGs in `folder` (barnacle.sample's
    image code), so Mirador places each image by its info.json as it would in a library."""
    images = ImageServer()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            parts = self.path.split("/")[2:]  # /iiif/<id>/...
            path = folder / f"{parts[0]}.png"
            if not path.is_file():
                reply = Reply(404, b"not found", "text/plain")
            elif parts[1:] == ["info.json"]:
                with Image.open(path) as image:
                    width, height = image.size
                service = f"http://{self.headers['Host']}/iiif/{parts[0]}"
                reply = images.info(3, service, path, width, height)
            else:
                reply = images.image(3, parts[0], path, *parts[1:5])
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()
            self.wfile.write(reply.body)

    with serve_in_thread(local_server(Handler)) as base:
        yield base


def _page_images(run_dir: Path, number: int, folder: Path) -> dict[str, list[str]]:
    """Page images of book `number` into `folder` (<number>-<page>.png); canvas -> OCR lines."""
    sha1 = manifest_sha1(manifest_url(number))
    folder.mkdir(parents=True, exist_ok=True)
    texts = {}
    for row in (run_dir / "ocr" / f"{sha1}.jsonl").read_text().splitlines():
        record = json.loads(row)
        target = folder / f"{number}-{record['canvas_index']}.png"
        target.write_bytes(_page_image(record["ocr_lines"]))
        texts[record["canvas_id"]] = [line["text"] for line in record["ocr_lines"]]
    return texts


def _keep(picture: Path) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        shutil.copy(picture, Path(SCREENSHOTS) / picture.name)


def test_report_and_viewer_in_chromium(tmp_path: Path) -> None:
    _need(CHROMIUM is not None, "Chromium not installed: apt-get install chromium")
    _need((mirador_dir() / "mirador.min.js").is_file(), "Mirador not fetched: make mirador")
    run_dir = tmp_path / "runs" / "browser"
    facts = make_view_run(run_dir)
    texts = _page_images(run_dir, 0, tmp_path / "images")
    with (
        _image_service(tmp_path / "images") as images,
        view_server(run_dir, tmp_path / "cache") as base,
    ):
        write_source_manifest(tmp_path / "cache", 0, 4, images)
        report = _chromium(f"{base}/", "--dump-dom", budget_ms=5000)
        assert report.count('<tr id="m-') == 4, report[:2000]
        for sha1 in facts["sha1"]:
            assert f'id="m-{sha1}"' in report
        picture = tmp_path / "view-report.png"
        _chromium(f"{base}/", f"--screenshot={picture}", budget_ms=5000)
        assert picture.stat().st_size > 1000
        _keep(picture)

        canvas = canvas_id(0, 1)
        page = f"{base}/view/{facts['sha1'][0]}?{urlencode({'canvas': canvas})}"  # exports it
        dom = _chromium(page, "--dump-dom")
        assert "mirador-window" in dom or 'class="mirador' in dom, dom[:3000]
        assert "<canvas" in dom  # OpenSeadragon drew the page image
        for text in texts[canvas]:
            escaped = text.replace("&", "&amp;").replace('"', "&quot;")
            assert text in dom or escaped in dom, f"OCR line missing from Mirador: {text}"
        assert "Book 0" in dom
        picture = tmp_path / "view-page.png"
        with frame_server(page) as framed:  # drawn as a browser window shows it (frame_server)
            _chromium(framed, f"--screenshot={picture}", budget_ms=40000)  # OpenSeadragon settles
        assert picture.stat().st_size > 1000
        _keep(picture)
