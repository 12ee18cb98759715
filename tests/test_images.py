"""Page images through the shared cache, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from barnacle.http_client import FetchError
from barnacle.iiif import ImageRequest, ImageService, PageImage
from barnacle.images import (
    FetchedImage,
    ImageCache,
    ImageError,
    clear_info_memo,
    decode,
    fetch_image,
    get_image_info,
    set_max_image_pixels,
    size_page_request,
    size_request,
)

from support.scripted_server import Response, ScriptedServer


def png_bytes(width: int = 40, height: int = 30, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 180, 150)).save(buffer, fmt)
    return buffer.getvalue()


def image_response(data: bytes, content_type: str = "image/png") -> Response:
    return Response(body=data, headers={"Content-Type": content_type})


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture(autouse=True)
def fresh_memo() -> Iterator[None]:
    clear_info_memo()
    yield
    clear_info_memo()


@pytest.fixture
def cache(tmp_path: Path) -> ImageCache:
    return ImageCache(tmp_path / "cache")


# --- fetching and the cache -------------------------------------------------------------


def test_miss_then_hit_makes_one_request(server: ScriptedServer, cache: ImageCache) -> None:
    data = png_bytes(40, 30)
    server.route("/img/p1.png", image_response(data))
    url = server.url("/img/p1.png")

    first = fetch_image(url, cache)
    assert isinstance(first, FetchedImage)
    assert not first.cache_hit
    assert (first.width, first.height, first.bytes) == (40, 30, len(data))
    assert first.sha256 == hashlib.sha256(data).hexdigest()
    assert first.path.read_bytes() == data
    assert first.path == cache.path_for(url)
    assert first.path.parent.name == first.path.name[:2]
    assert first.fetch_ms > 0

    second = fetch_image(url, cache)
    assert second.cache_hit
    assert second.path == first.path
    assert (second.sha256, second.width, second.height, second.bytes) == (
        first.sha256,
        40,
        30,
        len(data),
    )
    assert server.hits("/img/p1.png") == 1


def test_cache_is_shared_between_instances(server: ScriptedServer, tmp_path: Path) -> None:
    server.route("/a.jpg", image_response(png_bytes(fmt="JPEG"), "image/jpeg"))
    url = server.url("/a.jpg")
    fetch_image(url, ImageCache(tmp_path / "c"))
    again = fetch_image(url, ImageCache(tmp_path / "c", offline=True))
    assert again.cache_hit
    assert server.hits("/a.jpg") == 1


def test_write_leaves_no_temp_files(server: ScriptedServer, cache: ImageCache) -> None:
    server.route("/p.png", image_response(png_bytes()))
    fetched = fetch_image(server.url("/p.png"), cache)
    assert files_under(cache.root) == [fetched.path]


def test_concurrent_fetches_of_one_url(server: ScriptedServer, cache: ImageCache) -> None:
    from concurrent.futures import ThreadPoolExecutor

    data = png_bytes(64, 48)
    server.route("/shared.png", image_response(data))
    url = server.url("/shared.png")
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: fetch_image(url, cache), range(8)))
    assert {r.sha256 for r in results} == {hashlib.sha256(data).hexdigest()}
    assert files_under(cache.root) == [cache.path_for(url)]
    assert cache.path_for(url).read_bytes() == data


def test_truncated_image_is_rejected_and_not_cached(
    server: ScriptedServer, cache: ImageCache
) -> None:
    data = png_bytes(300, 200)
    server.route("/cut.png", image_response(data[: len(data) // 2]))
    url = server.url("/cut.png")
    with pytest.raises(ImageError) as caught:
        fetch_image(url, cache)
    assert caught.value.kind == "corrupt"
    assert caught.value.url == url
    assert cache.get(url) is None
    assert files_under(cache.root) == []


def test_garbage_body_is_rejected_and_not_cached(server: ScriptedServer, cache: ImageCache) -> None:
    server.route("/junk.jpg", image_response(b"\x00\x01not an image at all" * 50, "image/jpeg"))
    url = server.url("/junk.jpg")
    with pytest.raises(ImageError, match="Pillow can read|cannot be decoded") as caught:
        fetch_image(url, cache)
    assert caught.value.kind == "corrupt"
    assert files_under(cache.root) == []


def test_404_names_url_and_status(server: ScriptedServer, cache: ImageCache) -> None:
    url = server.url("/missing.jpg")  # unrouted paths answer 404 with an HTML page
    with pytest.raises(ImageError) as caught:
        fetch_image(url, cache)
    assert caught.value.status == 404
    assert caught.value.kind == "http"
    assert url in str(caught.value)
    assert isinstance(caught.value, FetchError)
    assert files_under(cache.root) == [] if cache.root.exists() else True


def test_403_and_503_after_retries(server: ScriptedServer, cache: ImageCache) -> None:
    server.route("/forbidden.jpg", Response(403, "<html>Forbidden</html>"))
    server.route("/busy.jpg", Response(503, "<html>busy</html>"))
    with pytest.raises(ImageError) as forbidden:
        fetch_image(server.url("/forbidden.jpg"), cache)
    assert forbidden.value.status == 403
    with pytest.raises(ImageError) as busy:
        fetch_image(server.url("/busy.jpg"), cache)
    assert busy.value.status == 503
    assert "after retries" in str(busy.value)
    assert server.hits("/busy.jpg") == 4  # the first try and 3 retries (test session settings)


def test_5xx_then_image_succeeds(server: ScriptedServer, cache: ImageCache) -> None:
    server.route("/flaky.png", Response(502, "bad gateway"), image_response(png_bytes()))
    fetched = fetch_image(server.url("/flaky.png"), cache)
    assert fetched.width == 40
    assert server.hits("/flaky.png") == 2


def test_html_page_instead_of_image(server: ScriptedServer, cache: ImageCache) -> None:
    server.route("/login.jpg", Response(200, "<!DOCTYPE html><html><body>Please log in"))
    with pytest.raises(ImageError, match="expected an image but got text/html") as caught:
        fetch_image(server.url("/login.jpg"), cache)
    assert caught.value.kind == "not_image"
    assert "Please log in" in str(caught.value)


def test_html_page_with_an_image_content_type(server: ScriptedServer, cache: ImageCache) -> None:
    server.route("/lies.jpg", image_response(b"<html><body>Error</body></html>", "image/jpeg"))
    with pytest.raises(ImageError, match="text page") as caught:
        fetch_image(server.url("/lies.jpg"), cache)
    assert caught.value.kind == "not_image"
    assert files_under(cache.root) == []


def test_size_cap(server: ScriptedServer, cache: ImageCache) -> None:
    data = png_bytes(200, 200)
    server.route("/big.png", image_response(data))
    with pytest.raises(ImageError, match="cap") as caught:
        fetch_image(server.url("/big.png"), cache, max_bytes=len(data) - 1)
    assert caught.value.kind == "too_large"
    assert files_under(cache.root) == [] if cache.root.exists() else True


def test_offline_miss_says_what_to_do(server: ScriptedServer, tmp_path: Path) -> None:
    server.route("/p.png", image_response(png_bytes()))
    url = server.url("/p.png")
    with pytest.raises(ImageError) as caught:
        fetch_image(url, ImageCache(tmp_path / "c", offline=True))
    message = str(caught.value)
    assert url in message
    assert "prefetch" in message and "--offline" in message
    assert caught.value.kind == "offline_miss"
    assert server.hits("/p.png") == 0


def test_offline_hit_works(server: ScriptedServer, tmp_path: Path) -> None:
    server.route("/p.png", image_response(png_bytes(12, 34)))
    url = server.url("/p.png")
    fetch_image(url, ImageCache(tmp_path / "c"))
    hit = fetch_image(url, ImageCache(tmp_path / "c", offline=True))
    assert hit.cache_hit and (hit.width, hit.height) == (12, 34)
    assert server.hits("/p.png") == 1


def test_put_failure_in_verify_leaves_nothing(cache: ImageCache) -> None:
    def refuse(path: Path) -> None:
        assert path.exists() and path.name.endswith(".part")
        raise ValueError("no")

    with pytest.raises(ValueError):
        cache.put_bytes("http://example.org/x.jpg", b"abc", refuse)
    assert files_under(cache.root) == []


# --- decompression bombs ----------------------------------------------------------------


@pytest.fixture
def small_pixel_limit() -> Iterator[None]:
    before = decode.MAX_IMAGE_PIXELS
    set_max_image_pixels(1000)
    yield
    set_max_image_pixels(before)


def test_default_pixel_limit_is_explicit(tmp_path: Path) -> None:
    assert decode.MAX_IMAGE_PIXELS == 100_000_000
    path = tmp_path / "p.png"
    path.write_bytes(png_bytes())
    decode.open_image(path, "http://example.org/p.png").close()
    assert Image.MAX_IMAGE_PIXELS == decode.MAX_IMAGE_PIXELS


def test_pillow_limit_raised_elsewhere_is_pulled_back(
    tmp_path: Path, small_pixel_limit: None
) -> None:
    Image.MAX_IMAGE_PIXELS = 20000**2  # what importing kraken.kraken / kraken.ketos does
    path = tmp_path / "b.png"
    path.write_bytes(png_bytes(100, 50))
    with pytest.raises(ImageError, match="decompression bomb"):
        decode.open_image(path, "http://example.org/b.png")
    assert Image.MAX_IMAGE_PIXELS == 1000


def test_decompression_bomb_refused(
    server: ScriptedServer, cache: ImageCache, small_pixel_limit: None
) -> None:
    server.route("/bomb.png", image_response(png_bytes(100, 50)))  # 5000 px > 1000
    url = server.url("/bomb.png")
    with pytest.raises(ImageError, match="decompression bomb") as caught:
        fetch_image(url, cache)
    assert caught.value.kind == "bomb"
    assert "5000" in str(caught.value)  # the pixel count, whichever check tripped first
    assert cache.get(url) is None
    assert files_under(cache.root) == []


def test_pillow_bomb_check_becomes_image_error(tmp_path: Path, small_pixel_limit: None) -> None:
    path = tmp_path / "b.png"
    path.write_bytes(png_bytes(100, 50))
    decode.MAX_IMAGE_PIXELS = 10**9  # only Pillow's own limit (1000) is left to trip
    with pytest.raises(ImageError, match="decompression bomb") as caught:
        decode.open_image(path, "http://example.org/b.png")
    assert caught.value.kind == "bomb"


def test_small_image_passes_small_limit(
    server: ScriptedServer, cache: ImageCache, small_pixel_limit: None
) -> None:
    server.route("/ok.png", image_response(png_bytes(20, 20)))  # 400 px
    assert fetch_image(server.url("/ok.png"), cache).width == 20


# --- info.json and clamping -------------------------------------------------------------


def info_doc(width: int, height: int, **limits: int) -> dict:
    return {
        "@context": "http://iiif.io/api/image/2/context.json",
        "@id": "{base}/iiif/p1",
        "protocol": "http://iiif.io/api/image",
        "width": width,
        "height": height,
        "profile": ["http://iiif.io/api/image/2/level2.json", limits] if limits else [],
        **limits,
    }


def service_at(server: ScriptedServer, name: str = "p1") -> ImageService:
    return ImageService(id=server.url(f"/iiif/{name}"), version=2)


def test_info_json_max_width_is_honoured(server: ScriptedServer) -> None:
    server.route("/iiif/p1/info.json", info_doc(4000, 6000, maxWidth=1000, maxHeight=1500))
    sized = size_request(service_at(server), ImageRequest(size="!3000,3000"))
    assert sized.request.size == "1000,1500"
    assert sized.url == server.url("/iiif/p1/full/1000,1500/0/default.jpg")
    assert sized.info is not None and sized.info.max_width == 1000
    assert sized.note and "asked as 1000,1500" in sized.note


def test_info_json_never_upscales(server: ScriptedServer) -> None:
    server.route("/iiif/p1/info.json", info_doc(800, 1200))
    sized = size_request(service_at(server), ImageRequest(size="!3000,3000"))
    assert sized.request.size == "full"  # the whole image fits: Image API 2 says `full`
    assert sized.url.endswith("/full/full/0/default.jpg")


def test_info_json_fitting_request_is_unchanged(server: ScriptedServer) -> None:
    server.route("/iiif/p1/info.json", info_doc(4000, 6000))
    sized = size_request(service_at(server), ImageRequest(size="!3000,3000"))
    assert sized.request.size == "!3000,3000"
    assert sized.note is None


def test_info_json_fetched_once_per_service(server: ScriptedServer) -> None:
    server.route("/iiif/p1/info.json", info_doc(4000, 6000, maxWidth=1000, maxHeight=1500))
    service = service_at(server)
    for _ in range(3):
        size_request(service, ImageRequest())
    assert server.hits("/iiif/p1/info.json") == 1


def test_info_json_missing_falls_back_unclamped(server: ScriptedServer) -> None:
    sized = size_request(service_at(server, "gone"), ImageRequest(size="!3000,3000"))
    assert sized.request.size == "!3000,3000"
    assert sized.info is None
    assert sized.note and "info.json unavailable" in sized.note and "404" in sized.note
    with pytest.raises(FetchError):
        get_image_info(service_at(server, "gone"))
    assert server.hits("/iiif/gone/info.json") == 1  # the failure is remembered too


def test_info_json_without_dimensions_falls_back(server: ScriptedServer) -> None:
    server.route("/iiif/p1/info.json", {"@id": "x", "profile": "level0"})
    sized = size_request(service_at(server), ImageRequest(size="!3000,3000"))
    assert sized.info is None and sized.note and "width" in sized.note


def test_info_json_is_cached_for_offline_runs(server: ScriptedServer, tmp_path: Path) -> None:
    server.route("/iiif/p1/info.json", info_doc(4000, 6000, maxWidth=1000, maxHeight=1500))
    online = size_request(service_at(server), ImageRequest(), ImageCache(tmp_path / "c"))
    clear_info_memo()  # a new process
    offline = size_request(
        service_at(server), ImageRequest(), ImageCache(tmp_path / "c", offline=True)
    )
    assert offline.url == online.url
    assert server.hits("/iiif/p1/info.json") == 1
    stored = ImageCache(tmp_path / "c").get(service_at(server).info_url, ".info.json")
    assert stored is not None and json.loads(stored.read_text())["width"] == 4000


def test_offline_without_cached_info_falls_back(tmp_path: Path) -> None:
    service = ImageService(id="http://127.0.0.1:9/iiif/x", version=3)
    sized = size_request(service, ImageRequest(size="full"), ImageCache(tmp_path, offline=True))
    assert sized.url == "http://127.0.0.1:9/iiif/x/full/max/0/default.jpg"
    assert sized.note and "offline" in sized.note


def test_page_without_service_uses_resource_url() -> None:
    page = PageImage(index=0, canvas_id="c1", resource_url="http://example.org/p.jpg")
    sized = size_page_request(page, ImageRequest())
    assert sized is not None and sized.url == "http://example.org/p.jpg"
    assert sized.note and "no image service" in sized.note
    assert size_page_request(PageImage(index=1, canvas_id="c2"), ImageRequest()) is None


def test_clamped_url_then_fetched_into_cache(server: ScriptedServer, cache: ImageCache) -> None:
    server.route("/iiif/p1/info.json", info_doc(4000, 6000, maxWidth=20, maxHeight=30))
    server.route("/iiif/p1/full/20,30/0/default.jpg", image_response(png_bytes(20, 30)))
    page = PageImage(index=0, canvas_id="c1", service=service_at(server))
    sized = size_page_request(page, ImageRequest(), cache)
    assert sized is not None
    fetched = fetch_image(sized.url, cache)
    assert (fetched.width, fetched.height) == (20, 30)
