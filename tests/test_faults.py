"""Reliability under faults: the worker against the chaos proxy in front of a real IIIF server
(the sample server on tiny strip pages, OCRed by real Kraken in about a second each).

Transient faults are retried and counted in the page record; permanent ones give an error
record that names the URL, the status and what to do, leave the manifest incomplete, and a
rerun after the fault is gone does exactly the missing pages; a lying info.json and a server
that stops answering end in a page or a clear error, never a crash or a hang.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from barnacle.http_client import FetchError, HttpSettings, RetryLog, get_json, get_session
from barnacle.iiif import ImageRequest, ImageService, PageImage
from barnacle.images import ImageCache, ImageError, clear_info_memo, fetch_image, fetch_page_image
from barnacle.records import PageError, PageRecord
from barnacle.run_folder import errors_of, part_of
from barnacle.sample.serve import serve_sample
from barnacle.worker import process_manifest

from support.chaos_server import TRANSIENT_FAULTS, ChaosServer, Fault, Rule, chaos_server
from support.hang_guard import no_hang
from support.paths import REPO
from support.scripted_server import Response, ScriptedServer
from support.tiny_books import TinyBook, strip_page, write_books
from support.worker_options import quiet_options

IMAGE = "/full/"  # the pattern of pixel requests (not info.json)


@pytest.fixture(autouse=True)
def fresh_info_memo() -> Iterator[None]:
    clear_info_memo()
    yield
    clear_info_memo()


class Library:
    """Tiny books on the sample server, behind a chaos proxy."""

    def __init__(self, chaos: ChaosServer, books: list[TinyBook]) -> None:
        self.chaos = chaos
        self.books = books

    def manifest_url(self, book: int = 0) -> str:
        return self.chaos.url(self.books[book].manifest_path())

    def image(self, page: int, book: int = 0) -> str:
        """A pattern for the pixel requests of a page (1-based)."""
        return self.books[book].image_prefix(page) + "full/"


@contextmanager
def _library(
    tmp_path: Path, pages: list[int], versions: list[tuple[int, int]]
) -> Iterator[Library]:
    books = write_books(tmp_path / "books", pages, versions)
    with serve_sample(tmp_path / "books") as upstream, chaos_server(upstream) as chaos:
        yield Library(chaos, books)


@pytest.fixture
def one_book(tmp_path: Path) -> Iterator[Library]:
    with _library(tmp_path, [1], [(3, 3)]) as library:
        yield library


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


# --- the chaos server itself ------------------------------------------------------------------


def test_chaos_schedules_logs_and_removes_faults(one_book: Library) -> None:
    chaos = one_book.chaos
    url = one_book.manifest_url()
    chaos.add(Rule(pattern="manifests", schedule=[Fault.http(503), None, Fault.html()], tag="t"))
    log = RetryLog()
    assert get_json(url, retry_log=log)["type"] == "Manifest"  # 503, then through
    assert (log.retries, log.reasons) == (1, ["HTTP 503"])
    with pytest.raises(FetchError, match="expected JSON but got text/html") as html:
        get_json(url)  # the third request of the path: an HTML page, not retried
    assert html.value.status == 200 and html.value.retries == 0
    assert [(hit.number, hit.fault, hit.status) for hit in chaos.hits("manifests")] == [
        (1, "http_503", 503),
        (2, None, 200),
        (3, "html", 200),
    ]
    assert chaos.remove("t") == 1 and get_json(url)["type"] == "Manifest"
    # Seeded draws depend on (seed, path, request number) only: the same faults every run.
    rule = Rule(probability=0.5, choices=[Fault.http(500), Fault.reset()], seed=7)
    draws = [rule.fault_for(f"/p{n}", 1) for n in range(200)]
    assert draws == [rule.fault_for(f"/p{n}", 1) for n in range(200)]
    assert 60 < sum(1 for fault in draws if fault) < 140
    # Upstream URLs in JSON come back as the proxy's.
    manifest = json.dumps(get_json(url))
    assert chaos.base in manifest and chaos.upstream not in manifest


# --- transient faults: retried, counted ---------------------------------------------------


@pytest.mark.parametrize("fault", TRANSIENT_FAULTS, ids=lambda fault: fault.label)
def test_transient_image_fault_is_retried_once(
    one_book: Library, tmp_path: Path, fault: Fault
) -> None:
    get_session(HttpSettings(retries=3, backoff=0.01, read_timeout=0.5, connect_timeout=2))
    one_book.chaos.add(Rule(pattern=IMAGE, schedule=[fault]))
    url = one_book.chaos.url(one_book.image(1) + "60,900/0/default.jpg")
    log = RetryLog()
    with no_hang(60, f"an image behind {fault.label}"):
        image = fetch_image(url, ImageCache(tmp_path / "cache"), retry_log=log)
    assert (image.width, image.height) == (60, 900) and not image.cache_hit
    assert log.retries == 1 and len(log.reasons) == 1 and log.lost_ms > 0
    assert one_book.chaos.count(fault.label) == 1 and len(one_book.chaos.hits(IMAGE)) == 2
    if fault.retry_after:
        assert log.lost_ms >= 900  # waited as the server asked
    if fault.kind == "stall":
        assert log.reasons == ["read timeout"]


def test_transient_faults_are_retried_and_recorded_per_page(
    tmp_path: Path,
) -> None:
    get_session(HttpSettings(retries=3, backoff=0.01, read_timeout=0.5, connect_timeout=2))
    kinds = [*TRANSIENT_FAULTS, Fault.latency(0.3)]
    with _library(tmp_path, [len(kinds)], [(3, 3)]) as library:
        chaos = library.chaos
        for page, fault in enumerate(kinds, start=1):
            chaos.add(Rule(pattern=library.image(page), schedule=[fault], tag="transient"))
        # info.json of page 1 twice, the manifest once: retried too.
        chaos.add(Rule(pattern=r"p1/info\.json", schedule=[Fault.http(503), Fault.reset()]))
        chaos.add(Rule(pattern="manifests", schedule=[Fault.http(502)]))
        out = tmp_path / "book.jsonl"
        result = process_manifest(library.manifest_url(), out, quiet_options(tmp_path))
        assert (result.status, result.exit_code, result.pages_done) == ("complete", 0, len(kinds))
        records = [PageRecord.model_validate(line) for line in _lines(out)]
        assert [r.canvas_index for r in records] == list(range(len(kinds)))
        retried = {r.canvas_index: r for r in records if r.retries}
        assert sorted(retried) == list(range(len(TRANSIENT_FAULTS)))  # all but the slow page
        assert records[0].retries == 3 and records[0].retry_reasons[:2] == [
            "HTTP 503",
            "connection reset",
        ]
        assert all(r.retries == 1 for r in records[1 : len(TRANSIENT_FAULTS)])
        assert all(r.retry_lost_ms > 0 for r in retried.values())
        assert records[1].retry_lost_ms >= 900  # Retry-After: 1
        assert records[6].retry_reasons == ["read timeout"]
        assert records[-1].retries == 0 and records[-1].timings_ms.fetch >= 300
        # Every injected fault but the latency is accounted for by exactly one retry.
        injected = chaos.count("any") - chaos.count("latency")
        assert sum(r.retries for r in records) + 1 == injected  # + the manifest's retry


# --- permanent faults: error records, then a rerun completes ---------------------------------


def test_permanent_faults_then_fixed_rerun_does_each_page_once(tmp_path: Path) -> None:
    with _library(tmp_path, [5], [(3, 3)]) as library:
        chaos = library.chaos
        permanent = {2: Fault.http(404), 3: Fault.http(403), 4: Fault.truncate(), 5: Fault.html()}
        for page, fault in permanent.items():
            chaos.add(Rule(pattern=library.image(page), then=fault, tag="permanent"))
        out = tmp_path / "ocr" / "book.jsonl"
        command = [
            sys.executable,
            "-m",
            "barnacle",
            "ocr",
            library.manifest_url(),
            f"--out={out}",
            f"--cache-dir={tmp_path / 'cache'}",
            "--page-processes=1",
            "--no-progress",
        ]
        env = {**os.environ, "BARNACLE_BACKOFF": "0.01"}
        first = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
        assert first.returncode == 3, first.stderr[-2000:]
        assert not out.exists() and len(_lines(part_of(out))) == 1
        errors = {e.canvas_index: e for e in map(PageError.model_validate, _lines(errors_of(out)))}
        assert sorted(errors) == [1, 2, 3, 4]
        expected = {  # canvas: (status, kind, retries, words of the hint)
            1: (404, "http", 0, "no such resource"),
            2: (403, "http", 1, "refused"),  # retried once; the whole image was what was asked
            3: (None, "corrupt", 2, "no usable image"),
            4: (200, "not_image", 0, "no usable image"),
        }
        for index, (status, kind, retries, hint) in expected.items():
            error = errors[index]
            assert (error.status, error.kind, error.retries) == (status, kind, retries), error
            assert error.image_url and chaos.base + library.image(index + 1) in error.image_url
            assert error.image_url in error.message and hint in error.hint
            if status:
                assert f"HTTP {status}" in error.message
        assert "after retries: 1" in errors[2].message
        # The library fixes its server: a rerun does only the four missing pages.
        assert chaos.remove("permanent") == 4
        rerun = process_manifest(library.manifest_url(), out, quiet_options(tmp_path))
        assert (rerun.status, rerun.pages_done, rerun.pages_skipped) == ("complete", 4, 1)
        keys = [line["page_key"] for line in _lines(out)]
        assert len(keys) == len(set(keys)) == 5
        assert not part_of(out).exists() and not errors_of(out).exists()


def test_manifest_html_or_404_cannot_start_then_fixed(one_book: Library, tmp_path: Path) -> None:
    chaos = one_book.chaos
    out = tmp_path / "book.jsonl"
    cases = ((Fault.html(), 200, "barnacle validate"), (Fault.http(404), 404, "no such resource"))
    for fault, status, hint in cases:
        chaos.add(Rule(pattern="manifests", then=fault, tag="manifest"))
        result = process_manifest(one_book.manifest_url(), out, quiet_options(tmp_path))
        assert (result.status, result.exit_code) == ("not_started", 4)
        error = PageError.model_validate(_lines(errors_of(out))[0])
        assert error.stage == "manifest" and error.status == status
        assert one_book.manifest_url() in error.message and hint in error.hint
        chaos.remove("manifest")
    done = process_manifest(one_book.manifest_url(), out, quiet_options(tmp_path))
    assert done.status == "complete" and len(_lines(out)) == 1


# --- an info.json that lies about the image's size ---------------------------------------


def test_lying_info_json_is_worked_around_and_noted(tmp_path: Path) -> None:
    # Image API 3 and 2 books; info.json claims 10x (then 1/2) the true 60x900.
    with _library(tmp_path, [2, 1], [(3, 3), (2, 2)]) as library:
        chaos = library.chaos
        chaos.add(Rule(pattern=r"b1-p1/info\.json", then=Fault.lie_size(10)))
        chaos.add(Rule(pattern=r"b1-p2/info\.json", then=Fault.lie_size(0.5)))
        chaos.add(Rule(pattern=r"b2-p1/info\.json", then=Fault.lie_size(10)))
        records = []
        for book in (0, 1):
            out = tmp_path / f"book{book}.jsonl"
            result = process_manifest(library.manifest_url(book), out, quiet_options(tmp_path))
            assert result.status == "complete", result.message
            records += [PageRecord.model_validate(line) for line in _lines(out)]
        too_big_v3, too_small, too_big_v2 = records
        # Believed, 600x9000 asks for an upscale that the server refuses (400 in API 3,
        # 403 in API 2): the page falls back to the whole image (`max` in 3, `full` in 2)
        # and says so.
        for record, status, whole in ((too_big_v3, 400, "max"), (too_big_v2, 403, "full")):
            assert record.image_url.endswith(f"/full/{whole}/0/default.jpg")
            assert (record.image.width, record.image.height) == (60, 900)
            assert any(f"refused (HTTP {status})" in note for note in record.notes)
            assert any("600x9000" in note for note in record.notes)
        assert len(chaos.hits(r"b1-p1/full/", None)) == 2
        # 30x450 fits the size asked: the whole image is asked, and the server's true size
        # (60x900) is noted against info.json's.
        assert too_small.image_url.endswith("/full/max/0/default.jpg")
        assert (too_small.image.width, too_small.image.height) == (60, 900)
        assert any("30x450" in note and "60x900" in note for note in too_small.notes)


def test_image_not_matching_info_json_is_noted(server: ScriptedServer, tmp_path: Path) -> None:
    """A server that ignores the size it was asked for (any size answers the same image)."""
    import io

    buffer = io.BytesIO()
    strip_page(1).save(buffer, "JPEG")
    server.route("/iiif/x/info.json", {"id": "{base}/iiif/x", "width": 600, "height": 9000})
    server.route(
        "/iiif/x/full/!3000,3000/0/default.jpg",
        Response(200, buffer.getvalue(), {"Content-Type": "image/jpeg"}),
    )
    page = PageImage(
        index=0, canvas_id="c", service=ImageService(id=server.url("/iiif/x"), version=3)
    )
    got = fetch_page_image(page, ImageRequest(), ImageCache(tmp_path / "cache"))
    assert (got.image.width, got.image.height) == (60, 900)
    assert got.notes == [
        "info.json says the image is 600x9000, so size !3000,3000 should be 200x3000, "
        "but the server sent 60x900"
    ]


# --- a server that stops answering ---------------------------------------------------------


def test_stall_ends_by_timeout_not_a_hang(one_book: Library, tmp_path: Path) -> None:
    get_session(HttpSettings(retries=1, backoff=0.01, read_timeout=0.5, connect_timeout=1))
    chaos = one_book.chaos
    chaos.add(Rule(pattern=IMAGE, then=Fault.stall(), tag="stall"))
    out = tmp_path / "book.jsonl"
    with no_hang(120, "pages behind a stall"):  # two read timeouts, not the stall's ten minutes
        result = process_manifest(one_book.manifest_url(), out, quiet_options(tmp_path))
    assert (result.status, result.exit_code) == ("page_errors", 3)
    error = PageError.model_validate(_lines(errors_of(out))[0])
    assert error.kind == "network" and "did not answer in time (read timeout)" in error.message
    assert (error.retries, error.retry_reasons) == (1, ["read timeout"])
    assert "transient" in error.hint and chaos.count("stall") == 2
    # A manifest that never comes: the worker cannot start, and says why (no hang).
    chaos.add(Rule(pattern="manifests", then=Fault.stall(), tag="stall"))
    with no_hang(120, "a manifest behind a stall"):
        stuck = process_manifest(
            one_book.manifest_url(), tmp_path / "b.jsonl", quiet_options(tmp_path)
        )
    assert stuck.exit_code == 4
    assert "read timeout" in stuck.message
    with pytest.raises(ImageError, match="read timeout"):
        fetch_image(chaos.url(one_book.image(1) + "max/0/default.jpg"), ImageCache(tmp_path / "c"))
