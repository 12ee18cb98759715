"""`barnacle image-urls` (the dry run, once `barnacle pages`) against the strict Image API
server: the exact URLs per fixture manifest, each answered by a server that refuses what its
level does not guarantee, and nothing but manifests and info.json requested."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator

import pytest

from barnacle.dry_run import dry_run
from barnacle.images.info import clear_info_memo

from support.cli import barnacle
from support.strict_iiif import StrictServer, strict_server

# fixture -> {canvas index: image path after {base}, or "skip: <words of the reason>"}
EXPECTED: dict[str, dict[int, str]] = {
    "image-api-1.json": {
        0: "/img/v1s-l1/full/2000,/0/native.jpg",  # Stanford context and profile, level 1
        1: "/img/v1i-l2/full/!3000,3000/0/native.jpg",  # iiif.io/api/image/1, level 2
        2: "/img/v1s-l0/full/2000,/0/native.jpg",  # level 0: a size from scale_factors
    },
    "image-api-1-v3.json": {0: "/img/v1s-l1/full/2000,/0/native.jpg"},  # ImageService1
    "image-api-2-levels.json": {
        0: "/img/v2-l0/full/1000,/0/default.jpg",  # a listed size, 2.1's canonical `w,`
        1: "/img/v2-l0-nosizes/full/full/0/default.jpg",
        2: "/img/v2-l1/full/2000,/0/default.jpg",
        3: "/img/v2-l2/full/!3000,3000/0/default.jpg",
        4: "/img/v2-l2-max/full/667,1000/0/default.jpg",  # maxWidth 1000 = maxHeight
        5: "/img/v2-l1/full/2000,/0/default.jpg",  # level from info.json only
    },
    "image-api-3-levels.json": {
        0: "/img/v3-l0/full/1000,1500/0/default.jpg",  # a listed size as `w,h`
        1: "/img/v3-l1/full/2000,/0/default.jpg",
        2: "/img/v3-l1-maxarea/full/816,/0/default.jpg",
        3: "/img/v3-l2/full/!3000,3000/0/default.jpg",
        4: "/img/v2-l1/full/2000,/0/default.jpg",  # an ImageService2 in a v3 manifest
    },
    "specific-resource.json": {
        0: "/img/v3-l1/1000,2000,1500,1500/max/0/default.jpg",
        1: "/img/v3-l2/full/!3000,3000/90/default.jpg",
        2: "/img/v3-l1/0,0,4000,3000/3000,/0/default.jpg",  # FragmentSelector xywh=
        3: "/img/v3-l0/full/1000,1500/0/default.jpg",  # level 0: region not applied
        4: "/img/v3-l1/full/2000,/0/default.jpg",  # level 1: rotation not applied
    },
    "specific-resource-v2.json": {0: "/img/v2-l2/500,500,2000,2000/full/0/default.jpg"},
    "odd-service-ids.json": {
        0: "/img/odd%20name/full/!3000,3000/0/default.jpg",
        1: "/img/ark%2F123/full/!3000,3000/0/default.jpg",
    },
    "mixed-book.json": {
        0: "/img/narrow-v3-l1/full/max/0/default.jpg",
        1: "skip: Sound",
        2: "skip: Video",
        3: "skip: application/pdf",
        4: "skip: application/vnd.apple.mpegurl",
        5: "skip: application/dash+xml",
        6: "/img/narrow-v2-l0/full/full/0/default.jpg",
        7: "/img/narrow-static/full/!3000,3000/0/default.jpg",  # no info.json: level 2 assumed
        8: "/img/narrow-v3-l1/0,0,20,500/max/0/default.jpg",  # a region of the image
    },
    # An Image API 2 @context with a 1.1 compliance profile: 2.x syntax (`default`), the
    # profile's level; a service the manifest calls 2 whose info.json says 1.1: `native`.
    "version-conflict.json": {
        0: "/img/v2-l1/full/2000,/0/default.jpg",
        1: "/img/v2-l1-noinfo/full/2000,/0/default.jpg",  # no info.json: @context decides
        2: "/img/v1s-l1/full/2000,/0/native.jpg",  # info.json says 1.1: it decides
        3: "/img/v2-l1/full/2000,/0/default.jpg",  # only a 1.1 profile, info.json says 2
    },
    # Image annotations with motivation "", missing or []: the painting, unless another
    # annotation of the canvas says `painting`; one that says `commenting` is not.
    "unstated-motivation.json": {
        0: "/img/v2-l2/full/!3000,3000/0/default.jpg",
        1: "/img/v2-l1/full/2000,/0/default.jpg",
        2: "/img/v1s-l1/full/2000,/0/native.jpg",
        3: "/img/v2-l2/full/!3000,3000/0/default.jpg",
        4: "skip: canvas has no image",
    },
    # Bodies with no type: judged by format, then file ending; an image service wins.
    "untyped-bodies.json": {
        0: "/img/v3-l1/full/2000,/0/default.jpg",
        1: "skip: Text (text/vtt; no type given",
        2: "skip: a PDF (.pdf; no type given",
        3: "skip: XML (application/xml",
        4: "skip: Text (text/plain",
        5: "skip: Text (.vtt; no type given, judged by its file ending",
        6: "skip: XML (application/alto+xml",
        7: "/img/v3-l2/full/!3000,3000/0/default.jpg",
        8: "/img/v2-l1/full/2000,/0/default.jpg",
    },
    "bad-canvases.json": {
        0: "/img/narrow-v1-l1/full/full/0/native.jpg",  # width 1234.5
        1: "/img/narrow-v1-l1/full/full/0/native.jpg",  # motivation as a list
        2: "/img/narrow-v1-l1/full/full/0/native.jpg",  # resource as a list
        3: "skip: no image",  # images: null
        4: "skip: cannot be read",  # resource: 42
        5: "/img/narrow-v1-l1/full/full/0/native.jpg",
    },
}


@pytest.fixture(scope="module")
def strict() -> Iterator[StrictServer]:
    with strict_server() as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_info() -> Iterator[None]:
    clear_info_memo()
    yield
    clear_info_memo()


@pytest.mark.parametrize("fixture", list(EXPECTED), ids=list(EXPECTED))
def test_dry_run_gives_the_exact_urls(strict: StrictServer, fixture: str) -> None:
    before = len(strict.log)
    report = dry_run(strict.manifest_url(fixture), "!3000,3000")
    assert report.error is None
    got = {}
    for canvas in report.canvases:
        got[canvas.index] = canvas.url.removeprefix(strict.base) if canvas.url else canvas.skipped
    for index, want in EXPECTED[fixture].items():
        if want.startswith("skip: "):
            assert got[index] and want.removeprefix("skip: ") in got[index], (index, got[index])
        else:
            assert got[index] == want, index
    assert set(got) == set(EXPECTED[fixture])
    # Only the manifest and info.json documents were asked for: no image, no AV/PDF byte.
    asked = [entry.path for entry in strict.log[before:]]
    assert all(p.startswith("/manifests/") or p.endswith("/info.json") for p in asked), asked


@pytest.mark.parametrize(
    "fixture",
    [
        "image-api-1.json",
        "image-api-2-levels.json",
        "image-api-3-levels.json",
        "specific-resource.json",
        "specific-resource-v2.json",
        "odd-service-ids.json",
        "version-conflict.json",
    ],
)
def test_the_strict_server_answers_every_planned_url(strict: StrictServer, fixture: str) -> None:
    """Each URL is one the service's level guarantees: the strict server answers 200."""
    import requests

    for canvas in dry_run(strict.manifest_url(fixture), "!3000,3000").canvases:
        assert canvas.url
        answer = requests.get(canvas.url, timeout=10)
        assert answer.status_code == 200, (canvas.url, answer.text)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/img/v2-l1/full/!3000,3000/0/default.jpg", 400),  # !w,h is level 2
        ("/img/v1s-l1/full/2000,/0/default.jpg", 400),  # 1.1 has no `default`
        ("/img/v3-l1/full/full/0/default.jpg", 400),  # `full` size is not 3.0
        ("/img/v2-l0/full/2000,/0/default.jpg", 404),  # not a listed size on a static host
        ("/img/v3-l0/full/1000,/0/default.jpg", 404),  # 3.0 lists sizes as w,h
        ("/img/v2-l2-max/full/1000,1500/0/default.jpg", 400),  # beyond maxHeight = maxWidth
        ("/img/ark/123/full/full/0/default.jpg", 404),  # %2F decoded: another resource
    ],
)
def test_the_strict_server_is_strict(strict: StrictServer, path: str, status: int) -> None:
    import requests

    assert requests.get(strict.url(path), timeout=10).status_code == status


def _pages(*args: str) -> subprocess.CompletedProcess[str]:
    return barnacle("image-urls", *args)


def test_pages_is_image_urls_under_its_old_name_and_unlisted(strict: StrictServer) -> None:
    url = strict.manifest_url("image-api-2-levels.json")
    old, new = barnacle("pages", url, "--json"), _pages(url, "--json")
    assert old.returncode == new.returncode == 0, old.stderr + new.stderr
    assert json.loads(old.stdout) == json.loads(new.stdout)
    commands = [
        line.split()[0]
        for line in barnacle("--help").stdout.splitlines()
        if line[:4] == " " * 4 and line[4:5].isalpha()  # the command list
    ]
    assert "image-urls" in commands and "pages" not in commands


def test_pages_command_text_json_and_verdicts(strict: StrictServer) -> None:
    done = _pages(strict.manifest_url("image-api-2-levels.json"))
    assert done.returncode == 0, done.stderr
    assert "Image API 2, level 0" in done.stdout
    assert strict.url("/img/v2-l0/full/1000,/0/default.jpg") in done.stdout
    listed = _pages(strict.manifest_url("mixed-book.json"), "--size", "!100,100", "--json")
    assert listed.returncode == 0, listed.stderr
    report = json.loads(listed.stdout)
    canvases = {c["index"]: c for c in report["canvases"]}
    assert canvases[0]["api_version"] == 3 and canvases[0]["level"] == 1
    assert canvases[0]["url"] == strict.url("/img/narrow-v3-l1/full/2,/0/default.jpg")
    assert canvases[1]["url"] is None and "Sound" in canvases[1]["skipped"]
    assert canvases[7]["level_given"] is False
    nothing = _pages(strict.manifest_url("av-only.json"))
    assert nothing.returncode == 1 and "0 image URLs" in nothing.stdout
    bad_size = _pages(strict.manifest_url("av-only.json"), "--size", "huge")
    assert bad_size.returncode == 2 and "bad size" in bad_size.stderr
    assert "Traceback" not in bad_size.stderr + nothing.stderr
    assert strict.bytes_sent("/files/") == 0


def test_version_conflicts_follow_the_most_authoritative_source(strict: StrictServer) -> None:
    """info.json first, then the service's @context/type, then its profile: each canvas says
    the version it was asked in, and why when info.json overrode the manifest."""
    canvases = dry_run(strict.manifest_url("version-conflict.json"), "!3000,3000").canvases
    versions = {canvas.index: canvas.api_version for canvas in canvases}
    assert versions == {0: 2, 1: 2, 2: 1, 3: 2}
    assert (canvases[0].level, canvases[0].level_given) == (1, True)  # from the 1.1 profile
    overridden = [note for note in canvases[2].notes if "info.json says 1" in note]
    assert overridden and "manifest says Image API 2" in overridden[0]
    assert any("manifest says Image API 1, info.json says 2" in n for n in canvases[3].notes)
    assert not any("info.json says" in note for note in canvases[0].notes + canvases[1].notes)


def test_unstated_motivations_and_untyped_bodies_in_pages_and_validate(
    strict: StrictServer,
) -> None:
    """A book whose image annotations give no motivation has its pages (said in a note), and
    `validate` counts them; untyped captions, transcripts and XML are skipped with the reason,
    and not a byte of them is fetched; a book whose only images are commentary is INVALID."""
    import requests

    before = len(strict.log)
    unstated = dry_run(strict.manifest_url("unstated-motivation.json"), "!3000,3000").canvases
    noted = [c.index for c in unstated if any("gives no motivation" in n for n in c.notes)]
    assert noted == [0, 1, 2]  # not 3: another annotation there says painting
    for canvas in unstated + dry_run(strict.manifest_url("untyped-bodies.json"), "full").canvases:
        if canvas.url:
            assert requests.get(canvas.url, timeout=10).status_code == 200, canvas.url
    assert not strict.paths("/files/") and strict.bytes_sent("/files/") == 0
    assert len(strict.log) > before
    report = json.loads(
        barnacle("validate", strict.manifest_url("unstated-motivation.json"), "--json").stdout
    )
    assert report["ok"] and (report["canvases"], report["image_canvases"]) == (5, 5)
    assert report["canvases_without_service"] == [strict.url("/canvas/4")]
    untyped = json.loads(
        barnacle("validate", strict.manifest_url("untyped-bodies.json"), "--json").stdout
    )
    assert (untyped["canvases"], untyped["image_canvases"]) == (9, 3)
    assert untyped["canvases_without_service"] == []
    assert any("judged by its format" in line for line in untyped["skipped_canvases"])
    only_comments = barnacle("validate", strict.manifest_url("commenting-only.json"))
    assert only_comments.returncode == 1 and only_comments.stdout.startswith("INVALID ")
    assert "no canvas paints an image" in only_comments.stdout
