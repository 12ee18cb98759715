"""The local view shows pages from the run's image cache (issue 20, item 7): the derived
manifest served by `make view` paints each cached page from /image/<sha1>/<n> on the view
server, so the viewer shows the page while the source image server is down; the exported
manifest on disk keeps the source's image service."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_view_browser import CHROMIUM, _chromium, _image_service, _keep, _need
from test_view_drawing import viewer_url

from barnacle.hashing import manifest_sha1
from barnacle.images import ImageCache
from barnacle.view.viewer import mirador_dir

from support.drawn_boxes import assert_boxes_on_bars, downloaded_png, frame_server, make_bars_run
from support.view_runs import (
    CANVAS_H,
    CANVAS_W,
    get,
    get_json,
    manifest_url,
    view_server,
    write_source_manifest,
)

SHA1 = manifest_sha1(manifest_url(0))


def _cache_page(cache_dir: Path, record: dict) -> Path:
    """The page's image in the cache, as the OCR left it (keyed by the record's image_url)."""
    return ImageCache(cache_dir).put_bytes(record["image_url"], downloaded_png(), lambda _: None)


def _painting_body(manifest: dict) -> dict:
    return manifest["items"][0]["items"][0]["items"][0]["body"]


def test_cached_page_images_are_served_locally(tmp_path: Path) -> None:
    run_dir, cache = tmp_path / "runs" / "bars", tmp_path / "cache"
    record = make_bars_run(run_dir)
    write_source_manifest(cache, 0, 1, "http://127.0.0.1:9")  # an image server that is down
    cached = _cache_page(cache, record)
    with view_server(run_dir, cache) as base:
        body = _painting_body(get_json(f"{base}/iiif/{SHA1}/manifest.json"))
        service = f"{base}/image/{SHA1}/0"
        assert body == {
            "id": f"{service}/full/max/0/default.png",
            "type": "Image",
            "format": "image/png",
            "width": CANVAS_W,
            "height": CANVAS_H,
            "service": [{"id": service, "type": "ImageService3", "profile": "level0"}],
        }
        info = get_json(f"{service}/info.json")  # the canvas's size, so boxes scale with it
        assert (info["id"], info["profile"], info["sizes"]) == (
            service,
            "level0",
            [{"width": CANVAS_W, "height": CANVAS_H}],
        )
        for request in (body["id"], f"{service}/full/{CANVAS_W},{CANVAS_H}/0/default.jpg"):
            assert get(request) == (200, downloaded_png())
        exported = json.loads((run_dir / "iiif" / SHA1 / "manifest.json").read_text())
        source = _painting_body(exported)  # what is published keeps the source's service
        assert source["service"][0]["id"] == "http://127.0.0.1:9/iiif/0-0"

        cached.unlink()  # not in the cache: the source's image, and no local image
        body = _painting_body(get_json(f"{base}/iiif/{SHA1}/manifest.json"))
        assert body["id"].startswith("http://127.0.0.1:9/") and body["service"]
        assert get(f"{service}/info.json")[0] == 404
        assert get(f"{base}/image/{SHA1}/7/full/max/0/default.png")[0] == 404


@pytest.mark.slow
def test_viewer_shows_cached_page_with_source_server_down(tmp_path: Path) -> None:
    _need(CHROMIUM is not None, "Chromium not installed: apt-get install chromium")
    _need((mirador_dir() / "mirador.min.js").is_file(), "Mirador not fetched: make mirador")
    run_dir, cache = tmp_path / "runs" / "bars", tmp_path / "cache"
    _cache_page(cache, make_bars_run(run_dir))
    (tmp_path / "images").mkdir()
    with _image_service(tmp_path / "images") as images:
        pass  # stopped: its port refuses connections from here on
    write_source_manifest(cache, 0, 1, images)
    picture = tmp_path / "view-offline.png"
    with view_server(run_dir, cache) as base, frame_server(viewer_url(base)) as page:
        _chromium(page, f"--screenshot={picture}", budget_ms=30000)
    _keep(picture)
    assert_boxes_on_bars(picture)  # the page's bars are drawn, under their boxes
