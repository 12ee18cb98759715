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
from pathlib import Path
from urllib.parse import urlencode

import pytest
from PIL import Image, ImageDraw

from barnacle.atomic import atomic_write_text
from barnacle.listing.manifest_table import manifest_sha1
from barnacle.view.viewer import mirador_dir

from support.scripted_server import Response, ScriptedServer
from support.view_runs import (
    CANVAS_H,
    CANVAS_W,
    IMAGE_H,
    IMAGE_W,
    canvas_id,
    make_view_run,
    manifest_url,
    view_server,
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
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--no-first-run", "--disable-dev-shm-usage", f"--virtual-time-budget={budget_ms}",
         "--window-size=1400,900", *flags, url],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
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


def _derived(run_dir: Path, number: int, base: str, images: ScriptedServer) -> dict[str, str]:
    """The derived IIIF of one manifest, in the shape `make export` writes (issue #10): a v3
    manifest with a SearchService2, one AnnotationPage per canvas, one line annotation each
    (canvas coordinates). Images come from a second server on 127.0.0.1."""
    sha1 = manifest_sha1(manifest_url(number))
    folder = run_dir / "iiif" / sha1
    (folder / "annotations").mkdir(parents=True, exist_ok=True)
    records = [json.loads(x) for x in (run_dir / "ocr" / f"{sha1}.jsonl").read_text().splitlines()]
    sx, sy = CANVAS_W / IMAGE_W, CANVAS_H / IMAGE_H
    canvases = []
    texts = {}
    for record in records:
        index = record["canvas_index"]
        canvas = canvas_id(number, index)
        page_id = f"{base}{sha1}/annotations/{index:04d}.json"
        images.route(f"/img/{number}/{index}.png", Response(
            body=_page_image(record["ocr_lines"]),
            headers={"Content-Type": "image/png", "Access-Control-Allow-Origin": "*"}))  # fmt: skip
        items = []
        for n, line in enumerate(record["ocr_lines"]):
            xs = [p[0] for p in line["boundary"]]
            ys = [p[1] for p in line["boundary"]]
            left, top = min(xs), min(ys)
            width, height = max(xs) - left, max(ys) - top
            box = f"{round(left * sx)},{round(top * sy)},{round(width * sx)},{round(height * sy)}"
            items.append({
                "id": f"{page_id}#line-{n}", "type": "Annotation", "motivation": "supplementing",
                "textGranularity": "line",
                "body": {"type": "TextualBody", "value": line["text"], "format": "text/plain"},
                "target": f"{canvas}#xywh={box}"})  # fmt: skip
        atomic_write_text(folder / "annotations" / f"{index:04d}.json", json.dumps({
            "@context": "http://iiif.io/api/presentation/3/context.json",
            "id": page_id, "type": "AnnotationPage", "items": items}))  # fmt: skip
        texts[canvas] = [line["text"] for line in record["ocr_lines"]]
        canvases.append({
            "id": canvas, "type": "Canvas", "label": {"none": [record["canvas_label"]]},
            "width": CANVAS_W, "height": CANVAS_H,
            "items": [{"id": f"{canvas}/page", "type": "AnnotationPage", "items": [{
                "id": f"{canvas}/image", "type": "Annotation", "motivation": "painting",
                "body": {"id": images.url(f"/img/{number}/{index}.png"), "type": "Image",
                         "format": "image/png", "width": CANVAS_W, "height": CANVAS_H},
                "target": canvas}]}],
            "annotations": [{"id": page_id, "type": "AnnotationPage"}]})  # fmt: skip
    atomic_write_text(folder / "manifest.json", json.dumps({
        "@context": ["http://iiif.io/api/extension/text-granularity/context.json",
                     "http://iiif.io/api/presentation/3/context.json"],
        "id": f"{base}{sha1}/manifest.json", "type": "Manifest",
        "label": {"none": [f"Book {number}"]},
        "service": [{"id": f"{base}{sha1}/search", "type": "SearchService2"}],
        "items": canvases}))  # fmt: skip
    return {"sha1": sha1, **{k: "\n".join(v) for k, v in texts.items()}}


def _keep(picture: Path) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        shutil.copy(picture, Path(SCREENSHOTS) / picture.name)


def test_report_and_viewer_in_chromium(tmp_path: Path, server: ScriptedServer) -> None:
    _need(CHROMIUM is not None, "Chromium not installed: apt-get install chromium")
    _need((mirador_dir() / "mirador.min.js").is_file(), "Mirador not fetched: make mirador")
    run_dir = tmp_path / "runs" / "browser"
    facts = make_view_run(run_dir)
    # the exported manifest's base is the default PUBLISH_URL, not this server: rewritten
    derived = _derived(run_dir, 0, "http://127.0.0.1:8183/iiif/", server)
    with view_server(run_dir) as base:
        report = _chromium(f"{base}/", "--dump-dom", budget_ms=5000)
        assert report.count('<tr id="m-') == 4, report[:2000]
        for sha1 in facts["sha1"]:
            assert f'id="m-{sha1}"' in report
        picture = tmp_path / "view-report.png"
        _chromium(f"{base}/", f"--screenshot={picture}", budget_ms=5000)
        assert picture.stat().st_size > 1000
        _keep(picture)

        canvas = canvas_id(0, 1)
        page = f"{base}/view/{derived['sha1']}?{urlencode({'canvas': canvas})}"
        dom = _chromium(page, "--dump-dom")
        assert "mirador-window" in dom or 'class="mirador' in dom, dom[:3000]
        assert "<canvas" in dom  # OpenSeadragon drew the page image
        for text in derived[canvas].splitlines():
            escaped = text.replace("&", "&amp;").replace('"', "&quot;")
            assert text in dom or escaped in dom, f"OCR line missing from Mirador: {text}"
        assert "Book 0" in dom
        picture = tmp_path / "view-page.png"
        _chromium(page, f"--screenshot={picture}")
        assert picture.stat().st_size > 1000
        _keep(picture)
