"""The sample IIIF server (barnacle.sample): books.json, collections, manifests in Presentation
2.1 and 3.0 with their image services, the static level 0 book, the delay, stopping, and the
serve-sample script. The Image API's answers: test_sample_image_api.py.

Runs on port 0 against temporary images, so it needs neither the rendered sample
pages nor the network.
"""

from __future__ import annotations

import io
import json
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from PIL import Image

from barnacle.iiif import ImageInfo, ImageService
from barnacle.iiif.request_plan import plan_request
from barnacle.sample import load_books
from barnacle.sample.serve import serve_sample

from support.paths import REPO
from support.sample_dirs import (
    BOOKS,
    SAMPLE_BOOKS,
    SIZES,
    decode,
    get,
    get_json,
    image_services,
    make_sample_dir,
    v3_bodies,
)

pytest_plugins = ["support.sample_fixtures"]  # the fixtures `sample_dir` and `base`


def test_repository_books_json_describes_five_books_of_ten_pages() -> None:
    collection = load_books(SAMPLE_BOOKS.parent)
    assert [b.id for b in collection.books] == ["book1", "book2", "book3", "book4", "book5"]
    pages = [p.id for b in collection.books for p in b.pages]
    assert pages == [
        f"book{b}-p{n}"
        for b, n in [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3), (3, 1), (3, 2), (4, 1), (5, 1)]
    ]
    assert all(Path(p.image).stem == p.id for b in collection.books for p in b.pages)
    versions = [(b.presentation, b.image_api, b.image_level) for b in collection.books]
    assert versions == [(2, 2, 2), (3, 3, 2), (3, 2, 2), (2, 1, 1), (3, 2, 0)]


def test_image_with_another_suffix_stands_in(tmp_path: Path) -> None:
    """books.json names book1-p1.jpg; a book1-p1.png is served in its place."""
    make_sample_dir(tmp_path)
    collection = load_books(tmp_path)
    found = collection.page("book1-p1")
    assert found is not None
    named = collection.image_path(found[1])
    Image.open(named).save(named.with_suffix(".png"))
    named.unlink()
    assert collection.image_path(found[1]) == named.with_suffix(".png")
    with serve_sample(tmp_path) as url:
        assert decode(get(f"{url}/iiif/2/book1-p1/full/max/0/default.jpg")).size == (600, 900)
        assert get(f"{url}/iiif/2/book1-p2/info.json").status_code == 200
        named.with_suffix(".png").unlink()
        response = get(f"{url}/iiif/2/book1-p1/info.json")
        assert response.status_code == 404
        assert "book1-p1.jpg" in response.text
        response = get(f"{url}/manifests/book1.json")
        assert response.status_code == 404
        assert "book1-p1.jpg" in response.text


def _rendered_pages_present() -> bool:
    collection = load_books(SAMPLE_BOOKS.parent)
    return all(collection.image_path(p).is_file() for b in collection.books for p in b.pages)


@pytest.mark.skipif(
    not _rendered_pages_present(), reason="the rendered pages are not in data/sample/pages/"
)
def test_repository_sample_collection_is_served() -> None:
    """The real sample pages: every canvas and info.json has its image's size."""
    collection = load_books(SAMPLE_BOOKS.parent)
    with serve_sample(SAMPLE_BOOKS.parent) as url:
        for book in collection.books:
            manifest = get_json(f"{url}/manifests/{book.id}.json")
            services = [ImageService.from_json(s) for s in image_services(manifest)]
            assert len(services) == len(book.pages)
            for service, page in zip(services, book.pages, strict=True):
                assert service is not None and service.id.endswith(f"/{page.id}")
                info = get_json(service.info_url)
                with Image.open(collection.image_path(page)) as original:
                    assert (info["width"], info["height"]) == original.size


def test_serve_sample_yields_a_local_base_url(base: str) -> None:
    assert base.startswith("http://127.0.0.1:")
    assert int(base.rsplit(":", 1)[1]) > 0


def test_collection_v3(base: str) -> None:
    data = get_json(f"{base}/collection.json")
    assert data["@context"] == "http://iiif.io/api/presentation/3/context.json"
    assert data["type"] == "Collection"
    assert data["id"] == f"{base}/collection.json"
    assert [m["id"] for m in data["items"]] == [f"{base}/manifests/book{n}.json" for n in BOOKS]
    assert all(m["type"] == "Manifest" and m["label"]["en"] for m in data["items"])


def test_collection_v2(base: str) -> None:
    data = get_json(f"{base}/collection-v2.json")
    assert data["@context"] == "http://iiif.io/api/presentation/2/context.json"
    assert data["@type"] == "sc:Collection"
    assert [m["@id"] for m in data["manifests"]] == [
        f"{base}/manifests/book{n}.json" for n in BOOKS
    ]
    assert all(m["@type"] == "sc:Manifest" and m["label"] for m in data["manifests"])


def test_manifest_book1_is_presentation_2_with_image_api_2(base: str) -> None:
    data = get_json(f"{base}/manifests/book1.json")
    assert data["@context"] == "http://iiif.io/api/presentation/2/context.json"
    assert data["@type"] == "sc:Manifest"
    assert data["@id"] == f"{base}/manifests/book1.json"
    canvases = data["sequences"][0]["canvases"]
    assert [c["label"] for c in canvases] == ["p. 1", "p. 2", "p. 3"]
    for n, canvas in enumerate(canvases, start=1):
        assert canvas["@type"] == "sc:Canvas"
        assert (canvas["width"], canvas["height"]) == SIZES[f"book1-p{n}"]
        annotation = canvas["images"][0]
        assert annotation["motivation"] == "sc:painting"
        assert annotation["on"] == canvas["@id"]
        service = annotation["resource"]["service"]
        assert service["@id"] == f"{base}/iiif/2/book1-p{n}"
        assert service["profile"] == "http://iiif.io/api/image/2/level2.json"
        assert service["@context"] == "http://iiif.io/api/image/2/context.json"


def test_manifest_book2_is_presentation_3_with_image_service_3(base: str) -> None:
    data = get_json(f"{base}/manifests/book2.json")
    assert data["@context"] == "http://iiif.io/api/presentation/3/context.json"
    assert data["type"] == "Manifest"
    assert "sequences" not in data
    assert [c["label"] for c in data["items"]] == [{"en": [f"p. {n}"]} for n in (1, 2, 3)]
    for n, body in enumerate(v3_bodies(data), start=1):
        assert (body["width"], body["height"]) == SIZES[f"book2-p{n}"]
        assert body["service"] == [
            {"id": f"{base}/iiif/3/book2-p{n}", "type": "ImageService3", "profile": "level2"}
        ]


def test_manifest_book3_is_presentation_3_with_image_service_2(base: str) -> None:
    data = get_json(f"{base}/manifests/book3.json")
    assert data["type"] == "Manifest"
    for n, body in enumerate(v3_bodies(data), start=1):
        (service,) = body["service"]
        assert service["@type"] == "ImageService2"
        assert service["@id"] == f"{base}/iiif/2/book3-p{n}"


def test_every_image_service_in_the_manifests_answers(base: str) -> None:
    """All 10 services are reachable, and the request the project's own planner makes for
    each (by Image API version and level) is answered with the size it expects."""
    seen = 0
    for n in BOOKS:
        text = get(f"{base}/manifests/book{n}.json").text
        for service_json in image_services(json.loads(text)):
            service = ImageService.from_json(service_json)
            assert service is not None
            info = ImageInfo.model_validate(get_json(service.info_url))
            assert (info.width, info.height) == SIZES[service.id.rsplit("/", 1)[1]]
            planned = plan_request(service, "!3000,3000", info)
            image = decode(get(planned.url))
            assert planned.expected is not None
            assert abs(image.size[0] - planned.expected[0]) <= 1, planned.url
            seen += 1
    assert seen == 10


def test_book4_is_image_api_1_1_named_the_stanford_way(base: str) -> None:
    data = get_json(f"{base}/manifests/book4.json")
    resource = data["sequences"][0]["canvases"][0]["images"][0]["resource"]
    service = resource["service"]
    assert service["@context"] == "http://library.stanford.edu/iiif/image-api/1.1/context.json"
    assert service["profile"].endswith("/1.1/compliance.html#level1")
    assert resource["@id"].endswith("/iiif/1/book4-p1/full/full/0/native.jpg")
    info = get_json(f"{base}/iiif/1/book4-p1/info.json")
    assert info["@context"] == service["@context"] and info["profile"] == service["profile"]
    assert decode(get(f"{base}/iiif/1/book4-p1/full/350,/0/native.jpg")).size == (350, 500)


def test_book5_is_a_static_level_0_set(base: str) -> None:
    data = get_json(f"{base}/manifests/book5.json")
    (body,) = v3_bodies(data)
    assert body["service"][0]["profile"] == "http://iiif.io/api/image/2/level0.json"
    info = get_json(f"{base}/iiif/2/book5-p1/info.json")
    assert info["profile"] == ["http://iiif.io/api/image/2/level0.json"]
    assert "tiles" not in info and "maxWidth" not in info
    sizes = [(s["width"], s["height"]) for s in info["sizes"]]
    assert sizes == [(69, 100), (138, 200), (275, 400), (550, 800)]
    assert decode(get(f"{base}/iiif/2/book5-p1/full/full/0/default.jpg")).size == (1100, 1600)
    assert decode(get(f"{base}/iiif/2/book5-p1/full/275,/0/default.jpg")).size == (275, 400)
    assert decode(get(f"{base}/iiif/2/book5-p1/full/275,400/0/default.jpg")).size == (275, 400)
    for missing in (
        "full/300,/0/default.jpg",
        "full/!500,500/0/default.jpg",
        "0,0,100,100/full/0/default.jpg",
        "full/max/0/default.jpg",
        "full/full/90/default.jpg",
    ):
        assert get(f"{base}/iiif/2/book5-p1/{missing}").status_code == 404, missing


def _send_get(base: str, path: str) -> socket.socket:
    """An HTTP/1.0 GET of `path`, sent in full on a connection of its own, answer not yet read."""
    host, port = base.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)), timeout=10)
    connection.sendall(f"GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
    return connection


def test_delay_holds_image_requests_only(sample_dir: Path) -> None:
    # Ordered by events, not timed: the image request is sent first; info.json files asked for
    # one after another after it are all answered while not one byte of the image has arrived.
    with serve_sample(sample_dir, delay_s=1.0) as slow:
        image = _send_get(slow, "/iiif/2/book1-p1/full/!100,100/0/default.jpg")
        with image:
            for book in BOOKS:
                assert get(f"{slow}/iiif/2/book{book}-p1/info.json").status_code == 200
            readable, _, _ = select.select([image], [], [], 0)
            assert not readable, "the image was answered before the info.json asked after it"
            answer = b"".join(iter(lambda: image.recv(65536), b""))
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0].split(b" ")[1] == b"200", head
    assert Image.open(io.BytesIO(body)).size == (67, 100)


def test_server_stops_when_the_block_exits(sample_dir: Path) -> None:
    with serve_sample(sample_dir) as url:
        assert get(f"{url}/collection.json").status_code == 200
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/collection.json", timeout=2)


def test_serve_sample_script_writes_port_file(sample_dir: Path, tmp_path: Path) -> None:
    port_file = tmp_path / "port"
    proc = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "scripts" / "serve-sample"),
            "--port",
            "0",
            "--quiet",
            "--data-dir",
            str(sample_dir),
            "--port-file",
            str(port_file),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 10
        while not port_file.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no port file"
            time.sleep(0.05)
        port = int(port_file.read_text())
        data = get_json(f"http://127.0.0.1:{port}/collection.json")
        assert data["id"] == f"http://127.0.0.1:{port}/collection.json"
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert f"http://127.0.0.1:{port}/collection.json" in out
    assert not port_file.exists()
