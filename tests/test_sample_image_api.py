"""The sample server's Image API (2.1 and 3.0): info.json, redirects, sizes within the limits,
regions, qualities and formats, and the errors (404, 400, 415, upscaling refused).

Runs on port 0 against temporary images (support/sample_dirs.py).
"""

from __future__ import annotations

import pytest

from support.sample_dirs import MAX_SIZE, decode, get

pytest_plugins = ["support.sample_fixtures"]  # the fixtures `sample_dir` and `base`


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
