"""The HTTP session's circuit breaker: a host that cannot be reached (a closed port, a server
that hangs up at once) is not asked again for every page. Its state machine on an injected
clock; get_json against real dead hosts; the worker, `barnacle image-urls` and `validate` on a book
whose image host is down, counting the connections made rather than timing them (the seconds
are in bench/bench_hostile_input.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from barnacle.http_client import (
    FetchError,
    HostBreaker,
    HostDown,
    HttpSettings,
    get_json,
    get_session,
)
from barnacle.run_folder import errors_of
from barnacle.worker import WorkerOptions, process_manifest

from support.cli import barnacle
from support.dead_hosts import closed_port, hanging_up_server, serve_dead_host_book
from support.hang_guard import no_hang
from support.scripted_server import Response, ScriptedServer

URL = "http://images.example.org/iiif/p1/info.json"
BREAKER_REASON = "cannot be reached: 5 connection failures in a row"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_breaker_opens_after_n_failures_then_lets_one_probe_through() -> None:
    clock = Clock()
    breaker = HostBreaker(failures=3, cooldown=10, clock=clock)
    other = "https://elsewhere.example.org/x.json"
    for _ in range(2):
        breaker.admit(URL)
        breaker.record(URL, "connection refused")
    breaker.record(URL, None)  # an answer (any status) breaks the run of failures
    for _ in range(2):
        breaker.record(URL, "connection refused")
    assert breaker.state(URL) == "closed"
    breaker.record(URL, "connect timeout")
    assert breaker.state(URL) == "open" and breaker.state(other) == "closed"
    with pytest.raises(HostDown) as refused:
        breaker.admit("http://IMAGES.example.org:80/iiif/p2/full/max/0/default.jpg")
    reason = refused.value.reason
    assert reason.startswith("host images.example.org:80 cannot be reached: 3 connection")
    assert "(the last: connect timeout)" in reason and "for 10 s" in reason
    breaker.admit(other)  # other hosts are not affected
    assert refused.value.retry is None  # not worth retrying
    refusal = breaker.refusal(URL)
    assert refusal is not None and refusal.reason == reason  # the same reason for every page

    clock.now += 9.9
    with pytest.raises(HostDown):
        breaker.admit(URL)
    clock.now += 0.1  # cool-down over: half-open, one probe goes, the others still fail
    assert breaker.state(URL) == "half-open" and breaker.refusal(URL) is None
    breaker.admit(URL)
    with pytest.raises(HostDown):
        breaker.admit(URL)
    breaker.record(URL, "connection refused")  # the probe failed: open for another cool-down
    assert breaker.state(URL) == "open"
    assert "4 connection failures" in (breaker.refusal(URL) or HostDown(URL, "")).reason
    clock.now += 10
    breaker.admit(URL)
    breaker.release(URL)  # the probe was interrupted: the next attempt is the probe
    breaker.admit(URL)
    breaker.record(URL, None)  # the probe got an answer: closed, the count starts again
    assert breaker.state(URL) == "closed"
    breaker.admit(URL)
    breaker.admit(URL)


def test_breaker_off() -> None:
    breaker = HostBreaker(failures=0, cooldown=10, clock=Clock())
    for _ in range(20):
        breaker.admit(URL)
        breaker.record(URL, "connection refused")
    assert breaker.refusal(URL) is None


def test_get_json_on_a_host_that_hangs_up_stops_after_n_attempts() -> None:
    get_session(HttpSettings(retries=3, backoff=0.01, breaker_failures=5))
    with hanging_up_server() as host:
        with pytest.raises(FetchError) as first:  # 4 attempts: under the 5 that open it
            get_json(host.base + "/a.json")
        assert not isinstance(first.value, HostDown) and host.accepted == 4
        with pytest.raises(HostDown) as second:  # the 5th attempt opens it: no retry
            get_json(host.base + "/b.json")
        assert host.accepted == 5 and second.value.retries == 0
        for name in "cde":
            with pytest.raises(HostDown) as later:
                get_json(f"{host.base}/{name}.json")
            assert later.value.reason == second.value.reason
        assert host.accepted == 5
    assert f"host 127.0.0.1:{host.port} {BREAKER_REASON} (the last: connection " in str(later.value)


def test_5xx_answers_do_not_open_the_breaker(server: ScriptedServer) -> None:
    get_session(HttpSettings(retries=3, backoff=0.01, breaker_failures=2))
    server.route("/busy.json", Response(503, "<html>busy</html>"))
    for _ in range(3):
        with pytest.raises(FetchError) as answered:
            get_json(server.url("/busy.json"))
        assert answered.value.status == 503
    assert server.hits("/busy.json") == 12  # every attempt reached the server


@pytest.mark.parametrize("dead", ["closed port", "hangs up"])
def test_book_on_a_dead_image_host_ends_with_every_page_recorded(
    server: ScriptedServer, tmp_path: Path, dead: str
) -> None:
    # Each page asks info.json, then the image: 2 requests of 4 attempts (the tests' retries=3)
    # each, 40 attempts for 5 pages without the breaker. With it: 5, and at most one more that
    # the second fetch thread had on its way when the host was found down.
    get_session(HttpSettings(retries=3, backoff=0.01, connect_timeout=2, breaker_failures=5))
    out = tmp_path / "book.jsonl"
    options = WorkerOptions(cache_dir=tmp_path / "cache", page_processes=1, progress=False)
    with hanging_up_server() as hanging:
        base = hanging.base if dead == "hangs up" else f"http://127.0.0.1:{closed_port()}"
        url = serve_dead_host_book(server, "dead", 5, base)
        with no_hang(120, "the worker on a book whose image host is down"):
            result = process_manifest(url, out, options)
    assert result.status == "page_errors" and result.pages_failed == 5
    assert not out.exists()  # unfinished: `make resubmit-failed` takes it up again
    errors = [json.loads(line) for line in errors_of(out).read_text().splitlines()]
    assert [error["canvas_index"] for error in errors] == [0, 1, 2, 3, 4]
    assert all(error["kind"] == "network" for error in errors)
    hung_up = {"connection reset", "connection closed without an answer"}
    expected = hung_up if dead == "hangs up" else {"connection refused"}
    reasons = {reason for error in errors for reason in error["retry_reasons"]}
    assert sum(error["retries"] for error in errors) <= 5 and reasons and reasons <= expected
    assert all(BREAKER_REASON in error["message"] for error in errors[2:])
    assert all(error["retries"] == 0 for error in errors[2:])
    if dead == "hangs up":
        assert 5 <= hanging.accepted <= 6
    else:
        assert hanging.accepted == 0


def test_pages_and_validate_on_a_book_whose_image_host_is_down(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BARNACLE_BACKOFF", "0.01")
    monkeypatch.setenv("BARNACLE_RETRIES", "5")
    with hanging_up_server() as host:
        url = serve_dead_host_book(server, "down", 5, host.base)
        pages = barnacle("image-urls", url, "--json")
        # The first canvas's info.json: 5 attempts open the breaker (not 6: it is not retried
        # once open); the 4 others are not asked (30 attempts without the breaker).
        assert host.accepted == 5
        validated = barnacle("validate", url)
        assert host.accepted == 5  # validate reads the manifest only
    assert pages.returncode == 0, pages.stderr
    canvases = json.loads(pages.stdout)["canvases"]
    assert [bool(canvas["url"]) for canvas in canvases] == [True] * 5  # planned without it
    notes = [" ".join(canvas["notes"]) for canvas in canvases]
    assert all("info.json unavailable" in note and BREAKER_REASON in note for note in notes)
    assert validated.returncode == 0 and validated.stdout.startswith("OK "), validated.stdout
