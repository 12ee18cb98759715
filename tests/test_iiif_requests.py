"""Image requests per Image API version and compliance level: the conformance table.

One row per case. Each row is a service (version, level as the manifest gives it), what
its info.json says (None: unavailable), the size asked, a selector's region and rotation,
and the exact request path expected after the service id. The expectations come from the
compliance documents of Image API 1.1, 2.1 and 3.0 (what each level guarantees) and from
the info.json rules (`sizes`, `maxWidth`/`maxHeight`/`maxArea`, maxHeight = maxWidth when
only maxWidth is given).
"""

from __future__ import annotations

from typing import Any

import pytest

from barnacle.iiif.image_api import ImageInfo, ImageService, profile_level, service_version
from barnacle.iiif.request_plan import Region, level0_request, plan_request

BIG = {"width": 4000, "height": 6000}
SIZES = [{"width": 250, "height": 375}, {"width": 1000, "height": 1500}]

Case = tuple[int, int | None, dict[str, Any] | None, str, Region | None, int, str]

# (version, manifest level, info.json, size asked, region, rotation, expected path)
CASES: dict[str, Case] = {
    # Image API 1.1: quality `native`; level 1 sizes `w,`; `!w,h` only at level 2.
    "1.1-l0-full": (1, 0, {**BIG}, "!3000,3000", None, 0, "full/full/0/native.jpg"),
    "1.1-l0-scale-factors": (1, 0, {**BIG, "scale_factors": [1, 2, 4]}, "!3000,3000", None, 0,
                             "full/2000,/0/native.jpg"),
    "1.1-l1-w": (1, 1, {**BIG}, "!3000,3000", None, 0, "full/2000,/0/native.jpg"),
    "1.1-l2-confined": (1, 2, {**BIG}, "!3000,3000", None, 0, "full/!3000,3000/0/native.jpg"),
    "1.1-l1-rotation-90": (1, 1, {**BIG}, "!3000,3000", None, 90, "full/2000,/90/native.jpg"),
    "1.1-l1-region": (1, 1, {**BIG}, "!3000,3000", Region(x=0, y=0, w=2000, h=2000), 0,
                      "0,0,2000,2000/full/0/native.jpg"),
    "1.1-fits-full": (1, 1, {"width": 800, "height": 1200}, "!3000,3000", None, 0,
                      "full/full/0/native.jpg"),
    # Image API 2.1: `default`; level 0 `full` or a listed size as `w,`; level 1 `w,`.
    "2.1-l0-full": (2, 0, {**BIG}, "!3000,3000", None, 0, "full/full/0/default.jpg"),
    "2.1-l0-listed": (2, 0, {**BIG, "sizes": SIZES}, "!3000,3000", None, 0,
                      "full/1000,/0/default.jpg"),
    "2.1-l0-listed-smallest": (2, 0, {**BIG, "sizes": SIZES}, "!200,200", None, 0,
                               "full/250,/0/default.jpg"),
    "2.1-l0-region-not-applied": (2, 0, {**BIG}, "!3000,3000", Region(x=0, y=0, w=10, h=10), 0,
                                  "full/full/0/default.jpg"),
    "2.1-l0-rotation-not-applied": (2, 0, {**BIG}, "!3000,3000", None, 90,
                                    "full/full/0/default.jpg"),
    "2.1-l1-w": (2, 1, {**BIG}, "!3000,3000", None, 0, "full/2000,/0/default.jpg"),
    "2.1-l1-rotation-not-applied": (2, 1, {**BIG}, "!3000,3000", None, 90,
                                    "full/2000,/0/default.jpg"),
    "2.1-l1-max-height": (2, 1, {"width": 4001, "height": 6000, "maxWidth": 4001,
                                   "maxHeight": 1500}, "!3000,3000", None, 0,
                            "full/1000,/0/default.jpg"),
    "2.1-l1-h-when-height-binds": (2, 1, {"width": 4006, "height": 6000, "maxWidth": 4006,
                                          "maxHeight": 1500}, "!3000,3000", None, 0,
                                   "full/,1500/0/default.jpg"),
    "2.1-l2-confined": (2, 2, {**BIG}, "!3000,3000", None, 0, "full/!3000,3000/0/default.jpg"),
    "2.1-l2-rotation-180": (2, 2, {**BIG}, "!3000,3000", None, 180,
                            "full/!3000,3000/180/default.jpg"),
    "2.1-l2-max-width-only": (2, 2, {**BIG, "maxWidth": 1000}, "!3000,3000", None, 0,
                              "full/667,1000/0/default.jpg"),
    "2.1-l2-max-in-profile": (2, 2, {**BIG, "profile": ["http://iiif.io/api/image/2/level2.json",
                                                        {"maxWidth": 1000, "maxHeight": 1500}]},
                              "!3000,3000", None, 0, "full/1000,1500/0/default.jpg"),
    "2.1-l2-max-area": (2, 2, {**BIG, "maxArea": 1_000_000}, "full", None, 0,
                        "full/816,1225/0/default.jpg"),
    # !3000,3000 of 1300x1899 is 2053x3000; scaled back it rounds to 1299x1898: the whole.
    "2.1-l2-rounding-is-the-whole": (2, 2, {"width": 1300, "height": 1899, "maxWidth": 3000},
                                     "!3000,3000", None, 0, "full/full/0/default.jpg"),
    "2.1-l2-never-upscale": (2, 2, {"width": 800, "height": 1200}, "!3000,3000", None, 0,
                             "full/full/0/default.jpg"),
    "2.1-level-from-info": (2, None, {**BIG, "profile": ["http://iiif.io/api/image/2/level1.json"]},
                            "!3000,3000", None, 0, "full/2000,/0/default.jpg"),
    "2.1-level-unknown-assumed-2": (2, None, {**BIG}, "!3000,3000", None, 0,
                                    "full/!3000,3000/0/default.jpg"),
    "2.1-no-info-l1-manifest-size": (2, 1, None, "!3000,3000", None, 0,
                                     "full/2000,/0/default.jpg"),
    "2.1-no-info-no-size-l1": (2, 1, "no size", "!3000,3000", None, 0,
                               "full/full/0/default.jpg"),
    # Image API 3.0: `max`; level 0 `max` or a listed size as `w,h`; level 1 `w,`/`,h`.
    "3.0-l0-max": (3, 0, {**BIG}, "!3000,3000", None, 0, "full/max/0/default.jpg"),
    "3.0-l0-listed": (3, 0, {**BIG, "sizes": SIZES}, "!3000,3000", None, 0,
                      "full/1000,1500/0/default.jpg"),
    "3.0-l0-fits": (3, 0, {"width": 800, "height": 1200, "sizes": SIZES}, "!3000,3000", None, 0,
                    "full/max/0/default.jpg"),
    "3.0-l1-w": (3, 1, {**BIG}, "!3000,3000", None, 0, "full/2000,/0/default.jpg"),
    # 1002, would make the server compute a height of 1501, past maxHeight: ask ,1500.
    "3.0-l1-h-when-height-binds": (3, 1, {"width": 4006, "height": 6000, "maxHeight": 1500,
                                          "maxWidth": 4006}, "!3000,3000", None, 0,
                                   "full/,1500/0/default.jpg"),
    "3.0-l1-max-area": (3, 1, {**BIG, "maxArea": 1_000_000}, "!3000,3000", None, 0,
                        "full/816,/0/default.jpg"),
    "3.0-l1-region": (3, 1, {**BIG}, "!3000,3000", Region(x=1000, y=2000, w=1500, h=1500), 0,
                      "1000,2000,1500,1500/max/0/default.jpg"),
    "3.0-l1-region-clipped": (3, 1, {**BIG}, "!3000,3000", Region(x=3000, y=0, w=2000, h=600),
                              0, "3000,0,1000,600/max/0/default.jpg"),
    "3.0-l1-region-whole": (3, 1, {**BIG}, "!3000,3000", Region(x=0, y=0, w=4000, h=6000), 0,
                            "full/2000,/0/default.jpg"),
    "3.0-l2-confined": (3, 2, {**BIG}, "!3000,3000", None, 0, "full/!3000,3000/0/default.jpg"),
    "3.0-l2-rotation-90": (3, 2, {**BIG}, "!3000,3000", None, 90,
                           "full/!3000,3000/90/default.jpg"),
    "3.0-l2-rotation-arbitrary": (3, 2, {**BIG}, "!3000,3000", None, 45,
                                  "full/!3000,3000/0/default.jpg"),
    "3.0-l2-full-asked": (3, 2, {**BIG}, "full", None, 0, "full/max/0/default.jpg"),
    "3.0-l2-width-asked": (3, 2, {**BIG}, "1000,", None, 0, "full/1000,/0/default.jpg"),
    "3.0-l2-region-and-size": (3, 2, {**BIG}, "!500,500", Region(x=0, y=0, w=2000, h=1000), 0,
                               "0,0,2000,1000/!500,500/0/default.jpg"),
}  # fmt: skip


def _info(value: Any) -> ImageInfo | None:
    return ImageInfo.model_validate(value) if isinstance(value, dict) else None


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_request_per_version_and_level(case: Case) -> None:
    version, level, info, size, region, rotation, expected = case
    service = ImageService(id="http://h/iiif/img", version=version, level=level)  # type: ignore[arg-type]
    source = (None, None) if info == "no size" else (4000, 6000)
    planned = plan_request(service, size, _info(info), source, region, rotation)
    assert planned.url == f"http://h/iiif/img/{expected}"


@pytest.mark.parametrize(
    ("version", "expected"),
    [(1, "full/full/0/native.jpg"), (2, "full/full/0/default.jpg"), (3, "full/max/0/default.jpg")],
    ids=["1.1", "2.1", "3.0"],
)
def test_level0_fallback_request(version: int, expected: str) -> None:
    service = ImageService(id="http://h/i", version=version, level=2)  # type: ignore[arg-type]
    assert level0_request(service).url == f"http://h/i/{expected}"


SERVICES: dict[str, tuple[dict[str, Any], int, int | None]] = {
    "stanford-1.1-context": ({"@context": "http://library.stanford.edu/iiif/image-api/1.1/context.json",
                              "@id": "http://h/i",
                              "profile": "http://library.stanford.edu/iiif/image-api/1.1/compliance.html#level1"},
                             1, 1),
    "stanford-compliance-only": ({"@id": "http://h/i",
                                  "profile": "http://library.stanford.edu/iiif/image-api/compliance.html#level2"},
                                 1, 2),
    "stanford-conforms-to": ({"@id": "http://h/i",
                              "dcterms:conformsTo": "http://library.stanford.edu/iiif/image-api/1.1/conformance.html#level0"},
                             1, 0),
    "iiif-image-1": ({"@context": "http://iiif.io/api/image/1/context.json", "@id": "http://h/i",
                      "profile": "http://iiif.io/api/image/1/level1.json"}, 1, 1),
    "ImageService1": ({"id": "http://h/i", "type": "ImageService1"}, 1, None),
    # Older v2 manifests: an Image API 2 context with a 1.1 compliance URI as profile. The
    # context names the syntax; the profile only the level.
    "image-2-context-stanford-profile": ({"@context": "http://iiif.io/api/image/2/context.json",
                                          "@id": "http://h/i",
                                          "profile": "http://library.stanford.edu/iiif/image-api/1.1/compliance.html#level1"},
                                         2, 1),
    "ImageService2-stanford-profile": ({"id": "http://h/i", "type": "ImageService2",
                                        "profile": "http://library.stanford.edu/iiif/image-api/compliance.html#level2"},
                                       2, 2),
    "iiif-image-2": ({"@context": "http://iiif.io/api/image/2/context.json", "@id": "http://h/i",
                      "profile": ["http://iiif.io/api/image/2/level0.json", {"sizes": []}]}, 2, 0),
    "ImageService2": ({"id": "http://h/i", "type": "ImageService2", "profile": "level1"}, 2, 1),
    "ImageService3": ({"id": "http://h/i", "type": "ImageService3", "profile": "level2"}, 3, 2),
    "image-3-context": ({"@context": "http://iiif.io/api/image/3/context.json", "id": "http://h/i",
                         "profile": "level0"}, 3, 0),
}  # fmt: skip


@pytest.mark.parametrize("case", list(SERVICES.values()), ids=list(SERVICES))
def test_service_version_and_level(case: tuple[dict[str, Any], int, int | None]) -> None:
    data, version, level = case
    service = ImageService.from_json(data)
    assert service is not None
    assert (service.version, service.level) == (version, level)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("http://h/iiif/odd name", "http://h/iiif/odd%20name"),
        ("http://h/iiif/ark%2F123", "http://h/iiif/ark%2F123"),
        ("http://h/iiif/caf\u00e9/", "http://h/iiif/caf%C3%A9"),
        ('http://h/iiif/a"b/info.json', "http://h/iiif/a%22b"),
        ("http://h/iiif/plain", "http://h/iiif/plain"),
    ],
    ids=["space", "kept-%2F", "non-ascii", "quote", "plain"],
)
def test_service_ids_are_percent_encoded_once(raw: str, expected: str) -> None:
    service = ImageService.from_json({"@id": raw, "profile": "level2"})
    assert service is not None and service.id == expected


def test_helpers_agree_with_the_table() -> None:
    assert service_version(None, "ImageService3", None) == 3
    assert profile_level("http://iiif.io/api/image/2/level1.json") == 1
    assert profile_level(None) is None
