"""IIIF Presentation 2.1 / 3.0 models: labels, pages, services, Image API URLs."""

from __future__ import annotations

import pytest

from barnacle.iiif import (
    IIIFError,
    ImageInfo,
    ImageRequest,
    ImageService,
    best_label,
    clamp_size,
    detect_version,
    manifest_from_json,
    parse_resource,
)
from barnacle.iiif.image_api import normalise_service_id, target_size

from support import iiif_docs as docs


def _sub(doc: object, base: str = "http://h") -> dict:
    import json

    return json.loads(json.dumps(doc).replace("{base}", base))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Plain", "Plain"),
        (["One", "Two"], "One; Two"),
        ({"@value": "Titre", "@language": "fr"}, "Titre"),
        ([{"@value": "Titre", "@language": "fr"}, {"@value": "Title", "@language": "en"}], "Title"),
        ({"fr": ["Titre"], "en": ["Title"]}, "Title"),
        ({"none": ["f. 1r"]}, "f. 1r"),
        ({"de": ["Titel"], "fr": ["Titre"]}, "Titel"),
        (None, ""),
        ([], ""),
        (12, "12"),
        ("  ", ""),
    ],
)
def test_best_label_every_form(value: object, expected: str) -> None:
    assert best_label(value) == expected


def test_v2_manifest_pages_and_services() -> None:
    doc = _sub(docs.v2_manifest("m", [docs.v2_canvas("a"), docs.v2_canvas("b", service=False)]))
    manifest = manifest_from_json(doc)
    assert detect_version(doc) == 2
    pages = manifest.pages()
    assert pages.version == 2 and pages.label == "Book m"
    assert [p.canvas_id for p in pages.pages] == ["http://h/canvas/a", "http://h/canvas/b"]
    first, second = pages.pages
    assert first.service == ImageService(
        id="http://h/iiif/2/a",
        version=2,
        profile="http://iiif.io/api/image/2/level2.json",
        level=2,
    )
    request = ImageRequest()
    assert first.image_url(request) == "http://h/iiif/2/a/full/!3000,3000/0/default.jpg"
    assert second.service is None and "no image service" in (second.warning or "")
    assert second.image_url(request) == "http://h/img/b/full/full/0/default.jpg"
    assert [p.canvas_id for p in pages.pages_without_service] == ["http://h/canvas/b"]


def test_v2_multiple_sequences_uses_first_and_says_so() -> None:
    doc = _sub(docs.v2_manifest("m", [docs.v2_canvas("a"), docs.v2_canvas("b")], sequences=2))
    pages = manifest_from_json(doc).pages()
    assert len(pages.pages) == 2
    assert any("2 sequences" in note for note in pages.notes)


def test_v3_manifest_image_service_3_and_2() -> None:
    doc = _sub(docs.v3_manifest("m", [docs.v3_canvas("a"), docs.v3_canvas("b", "ImageService2")]))
    manifest = manifest_from_json(doc)
    assert detect_version(doc) == 3
    pages = manifest.pages()
    assert pages.label == "Book m" and pages.pages[0].label == "f. a"
    a, b = pages.pages
    assert a.service and a.service.version == 3 and a.service.id == "http://h/iiif/3/a"
    assert b.service and b.service.version == 2
    assert a.image_url(ImageRequest(size="full")) == "http://h/iiif/3/a/full/max/0/default.jpg"
    assert b.image_url(ImageRequest(size="full")) == "http://h/iiif/3/b/full/full/0/default.jpg"


def test_unknown_fields_are_kept() -> None:
    doc = _sub(docs.v3_manifest("m", [docs.v3_canvas("a")]))
    manifest = manifest_from_json(doc)
    assert manifest.model_extra and manifest.model_extra["someVendorField"] == {"kept": True}


def test_v3_choice_body_and_v2_service_list() -> None:
    canvas = _sub(docs.v3_canvas("a"))
    annotation = canvas["items"][0]["items"][0]
    annotation["body"] = {"type": "Choice", "items": [annotation["body"]]}
    manifest = manifest_from_json(_sub(docs.v3_manifest("m", [canvas])))
    assert manifest.pages().pages[0].service is not None
    canvas2 = _sub(docs.v2_canvas("a"))
    resource = canvas2["images"][0]["resource"]
    resource["service"] = [{"@id": "http://other/x", "profile": "http://example/other"}] + [
        resource["service"]
    ]
    page = manifest_from_json(_sub(docs.v2_manifest("m", [canvas2]))).pages().pages[0]
    assert page.service and page.service.id == "http://h/iiif/2/a"


def test_canvas_without_any_image() -> None:
    canvas = _sub(docs.v2_canvas("a"))
    canvas["images"] = []
    page = manifest_from_json(_sub(docs.v2_manifest("m", [canvas]))).pages().pages[0]
    assert page.image_url(ImageRequest()) is None and page.warning == "canvas has no image"


@pytest.mark.parametrize(
    "raw",
    ["http://h/iiif/x", "http://h/iiif/x/", "http://h/iiif/x/info.json", " http://h/iiif/x// "],
)
def test_service_id_normalised(raw: str) -> None:
    assert normalise_service_id(raw) == "http://h/iiif/x"


def test_collections_v2_and_v3_members() -> None:
    v2 = parse_resource(_sub(docs.v2_collection("c", ["m1", "m2"], ["sub"])))
    refs = v2.member_refs()
    assert [(r.kind, r.id) for r in refs] == [
        ("manifest", "http://h/m1.json"),
        ("manifest", "http://h/m2.json"),
        ("collection", "http://h/sub.json"),
    ]
    v3 = parse_resource(_sub(docs.v3_collection("c", [("Manifest", "m1"), ("Collection", "s")])))
    assert [(r.kind, r.label) for r in v3.member_refs()] == [
        ("manifest", "m1"),
        ("collection", "s"),
    ]


@pytest.mark.parametrize(
    "doc",
    [[], {"foo": 1}, {"@type": "sc:Canvas"}, {"type": "Manifest", "items": "nope"}],
)
def test_not_iiif_is_a_clear_error(doc: object) -> None:
    with pytest.raises(IIIFError):
        parse_resource(doc)


def test_image_api_v2_and_v3_urls() -> None:
    v2 = ImageService(id="http://h/i", version=2)
    v3 = ImageService(id="http://h/i", version=3)
    request = ImageRequest(size="!1000,1000", quality="gray", format="png")
    assert request.url(v2) == "http://h/i/full/!1000,1000/0/gray.png"
    assert request.url(v3) == "http://h/i/full/!1000,1000/0/gray.png"
    assert ImageRequest(size="max").url(v3).endswith("/full/max/0/default.jpg")
    assert request.key() == "png|!1000,1000|gray|full|0"


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ("full", (2000, 3000)),
        ("max", (2000, 3000)),
        ("1000,", (1000, 1500)),
        (",1500", (1000, 1500)),
        ("pct:50", (1000, 1500)),
        ("!1000,1000", (666, 1000)),
        ("300,200", (300, 200)),
    ],
)
def test_target_size(size: str, expected: tuple[int, int]) -> None:
    assert target_size(size, 2000, 3000) == expected


def test_target_size_rejects_garbage() -> None:
    for bad in ("abc", ",", "!100,", "pct:x"):
        with pytest.raises(IIIFError):
            target_size(bad, 100, 100)


def test_clamp_size_never_upscales_and_honours_limits() -> None:
    info = ImageInfo.model_validate({"width": 2000, "height": 3000})
    assert clamp_size("!3000,3000", info) == "!3000,3000"  # exactly the original: unchanged
    small = ImageInfo.model_validate({"width": 1000, "height": 1500})
    assert clamp_size("!3000,3000", small) == "1000,1500"  # would upscale: the original size
    odd = ImageInfo.model_validate({"width": 1300, "height": 1855})
    assert clamp_size("!3000,3000", odd) == "1300,1855"
    assert clamp_size("!1000,1000", info) == "!1000,1000"  # fits: unchanged
    limited = ImageInfo.model_validate({"width": 4000, "height": 6000, "maxWidth": 1000})
    assert clamp_size("!3000,3000", limited) == "667,1000"  # maxHeight = maxWidth (2.1, 3.0)
    wide = {"width": 4000, "height": 6000, "maxWidth": 1000, "maxHeight": 6000}
    assert clamp_size("!3000,3000", ImageInfo.model_validate(wide)) == "1000,1500"
    area = ImageInfo.model_validate({"width": 4000, "height": 4000, "maxArea": 1_000_000})
    w, h = (int(x) for x in clamp_size("full", area).split(","))
    assert w * h <= 1_000_000 and w == h
    tall = ImageInfo.model_validate({"width": 4000, "height": 6000, "maxHeight": 1200})
    assert clamp_size("full", tall) == "800,1200"
