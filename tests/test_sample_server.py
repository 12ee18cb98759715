"""The sample IIIF server (barnacle.sample): collections, manifests and Image API 2.1/3.0.

Runs on port 0 against temporary images, so it needs neither the rendered sample
pages nor the network.
"""

from __future__ import annotations

import io
import json
import select
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image

from barnacle.iiif import ImageInfo, ImageService
from barnacle.iiif.request_plan import plan_request
from barnacle.sample import load_books
from barnacle.sample.serve import serve_sample

REPO = Path(__file__).resolve().parent.parent
BOOKS = (1, 2, 3, 4, 5)
SAMPLE_BOOKS = REPO / "data" / "sample" / "books.json"
MAX_SIZE = 1000

# Temporary page sizes: one page wider than MAX_SIZE, to exercise the limits.
SIZES = {
    "book1-p1": (600, 900),
    "book1-p2": (640, 960),
    "book1-p3": (1200, 800),
    "book2-p1": (600, 900),
    "book2-p2": (1200, 800),
    "book2-p3": (500, 700),
    "book3-p1": (600, 900),
    "book3-p2": (400, 600),
    "book4-p1": (700, 1000),
    "book5-p1": (1100, 1600),  # a static (level 0) image: no size limits
}


def make_sample_dir(root: Path) -> Path:
    """books.json from the repository plus synthetic PNG pages in `root`."""
    shutil.copy(SAMPLE_BOOKS, root / "books.json")
    pages = root / "pages"
    pages.mkdir()
    for book in load_books(root).books:
        for page in book.pages:
            w, h = SIZES[page.id]
            image = Image.new("L", (w, h), 230)
            image.paste(40, (w // 4, h // 4, w // 2, h // 2))
            image.save(pages / page.image)
    return root


def get(url: str, **kwargs: Any) -> requests.Response:
    return requests.get(url, timeout=10, **kwargs)


def get_json(url: str) -> Any:
    response = get(url)
    assert response.status_code == 200, (url, response.status_code, response.text)
    assert response.headers["Content-Type"].startswith(("application/ld+json", "application/json"))
    return response.json()


def decode(response: requests.Response) -> Image.Image:
    assert response.status_code == 200, response.text
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return image


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sample_dir(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def base(sample_dir: Path) -> Iterator[str]:
    with serve_sample(sample_dir, max_size=MAX_SIZE) as url:
        yield url


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
            services = [ImageService.from_json(s) for s in _services(manifest)]
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


def _v3_bodies(data: dict[str, Any]) -> list[dict[str, Any]]:
    bodies = []
    for canvas in data["items"]:
        assert canvas["type"] == "Canvas"
        page = canvas["items"][0]
        assert page["type"] == "AnnotationPage"
        annotation = page["items"][0]
        assert annotation["type"] == "Annotation"
        assert annotation["motivation"] == "painting"
        assert annotation["target"] == canvas["id"]
        body = annotation["body"]
        assert (canvas["width"], canvas["height"]) == (body["width"], body["height"])
        bodies.append(body)
    return bodies


def test_manifest_book2_is_presentation_3_with_image_service_3(base: str) -> None:
    data = get_json(f"{base}/manifests/book2.json")
    assert data["@context"] == "http://iiif.io/api/presentation/3/context.json"
    assert data["type"] == "Manifest"
    assert "sequences" not in data
    assert [c["label"] for c in data["items"]] == [{"en": [f"p. {n}"]} for n in (1, 2, 3)]
    for n, body in enumerate(_v3_bodies(data), start=1):
        assert (body["width"], body["height"]) == SIZES[f"book2-p{n}"]
        assert body["service"] == [
            {"id": f"{base}/iiif/3/book2-p{n}", "type": "ImageService3", "profile": "level2"}
        ]


def test_manifest_book3_is_presentation_3_with_image_service_2(base: str) -> None:
    data = get_json(f"{base}/manifests/book3.json")
    assert data["type"] == "Manifest"
    for n, body in enumerate(_v3_bodies(data), start=1):
        (service,) = body["service"]
        assert service["@type"] == "ImageService2"
        assert service["@id"] == f"{base}/iiif/2/book3-p{n}"


def test_every_image_service_in_the_manifests_answers(base: str) -> None:
    """All 10 services are reachable, and the request the project's own planner makes for
    each (by Image API version and level) is answered with the size it expects."""
    seen = 0
    for n in BOOKS:
        text = get(f"{base}/manifests/book{n}.json").text
        for service_json in _services(json.loads(text)):
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
    (body,) = _v3_bodies(data)
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


def _services(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "service":
                yield from value if isinstance(value, list) else [value]
            else:
                yield from _services(value)
    elif isinstance(node, list):
        for item in node:
            yield from _services(item)


def test_info_json_api_2(base: str) -> None:
    response = get(f"{base}/iiif/2/book1-p1/info.json")
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    info = response.json()
    assert info["@context"] == "http://iiif.io/api/image/2/context.json"
    assert info["@id"] == f"{base}/iiif/2/book1-p1"
    assert info["protocol"] == "http://iiif.io/api/image"
    assert info["profile"][0] == "http://iiif.io/api/image/2/level2.json"
    assert (info["width"], info["height"]) == (600, 900)
    assert (info["maxWidth"], info["maxHeight"]) == (MAX_SIZE, MAX_SIZE)


def test_info_json_api_3(base: str) -> None:
    response = get(f"{base}/iiif/3/book2-p1/info.json")
    assert response.headers["Content-Type"].startswith("application/ld+json")
    info = response.json()
    assert info["@context"] == "http://iiif.io/api/image/3/context.json"
    assert info["id"] == f"{base}/iiif/3/book2-p1"
    assert info["type"] == "ImageService3"
    assert info["profile"] == "level2"
    assert (info["width"], info["height"]) == (600, 900)
    assert info["maxWidth"] == MAX_SIZE


def test_base_uri_redirects_to_info_json(base: str) -> None:
    response = get(f"{base}/iiif/3/book2-p1", allow_redirects=False)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/iiif/3/book2-p1/info.json")


@pytest.mark.parametrize("api", [2, 3])
def test_confined_size_jpeg(base: str, api: int) -> None:
    response = get(f"{base}/iiif/{api}/book1-p1/full/!500,500/0/default.jpg")
    assert response.headers["Content-Type"] == "image/jpeg"
    image = decode(response)
    assert image.format == "JPEG"
    assert image.size == (333, 500)


def test_region_size_quality_and_png(base: str) -> None:
    image = decode(get(f"{base}/iiif/2/book1-p1/150,225,300,450/150,/0/gray.png"))
    assert image.format == "PNG"
    assert image.size == (150, 225)
    assert image.mode == "L"
    assert image.getpixel((10, 10)) < 100  # inside the dark block


def test_api_3_max_is_clamped_to_max_width(base: str) -> None:
    small = decode(get(f"{base}/iiif/3/book2-p1/full/max/0/default.jpg"))
    assert small.size == (600, 900)
    big = decode(get(f"{base}/iiif/3/book2-p2/full/max/0/default.jpg"))
    assert big.size == (MAX_SIZE, 667)


def test_api_2_full_beyond_max_width_is_refused_but_max_answers(base: str) -> None:
    assert get(f"{base}/iiif/2/book1-p3/full/full/0/default.jpg").status_code == 403
    assert decode(get(f"{base}/iiif/2/book1-p3/full/max/0/default.jpg")).size == (1000, 667)
    assert decode(get(f"{base}/iiif/2/book1-p1/full/full/0/default.jpg")).size == (600, 900)


@pytest.mark.parametrize("api", [2, 3])
def test_unknown_identifier_is_404(base: str, api: int) -> None:
    assert get(f"{base}/iiif/{api}/nope/info.json").status_code == 404
    assert get(f"{base}/iiif/{api}/nope/full/max/0/default.jpg").status_code == 404


def test_unknown_manifest_and_api_version_are_404(base: str) -> None:
    assert get(f"{base}/manifests/book9.json").status_code == 404
    assert get(f"{base}/iiif/4/book1-p1/info.json").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "iiif/2/book1-p1/full/garbage/0/default.jpg",
        "iiif/3/book2-p1/full/garbage/0/default.jpg",
        "iiif/3/book2-p1/full/full/0/default.jpg",  # "full" is not a 3.0 size
        "iiif/2/book1-p1/1,2,3/max/0/default.jpg",
        "iiif/2/book1-p1/full/max/abc/default.jpg",
        "iiif/2/book1-p1/full/max/0/sepia.jpg",
    ],
)
def test_bad_requests_are_400(base: str, path: str) -> None:
    response = get(f"{base}/{path}")
    assert response.status_code == 400, response.text
    assert response.headers["Content-Type"].startswith("text/plain")


def test_unsupported_format_is_415(base: str) -> None:
    assert get(f"{base}/iiif/2/book1-p1/full/max/0/default.tif").status_code == 415


def test_upscaling_is_refused(base: str) -> None:
    # Image API 2.1: the server declines (403); 3.0 without "^": a bad request (400).
    assert get(f"{base}/iiif/2/book1-p1/full/1200,/0/default.jpg").status_code == 403
    assert get(f"{base}/iiif/2/book1-p1/full/pct:150/0/default.jpg").status_code == 403
    assert get(f"{base}/iiif/3/book2-p1/full/800,/0/default.jpg").status_code == 400
    # 3.0 with "^" upscales, within maxWidth/maxHeight only.
    assert decode(get(f"{base}/iiif/3/book2-p1/full/^600,/0/default.jpg")).size == (600, 900)
    assert get(f"{base}/iiif/3/book2-p1/full/^800,/0/default.jpg").status_code == 403


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
