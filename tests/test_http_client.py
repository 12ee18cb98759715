"""The HTTP session against a real server on 127.0.0.1: retries, Retry-After, errors, UA."""

from __future__ import annotations

import time

import pytest

from barnacle import __version__
from barnacle.http_client import FetchError, HttpSettings, RetryLog, get_json, get_session
from barnacle.http_client.session import BarnacleSession

from support.scripted_server import Response, ScriptedServer


def test_429_then_200_honours_retry_after(server: ScriptedServer) -> None:
    server.route("/m.json", Response(429, "slow down", {"Retry-After": "1"}), {"ok": 1})
    started = time.monotonic()
    assert get_json(server.url("/m.json")) == {"ok": 1}
    assert server.hits("/m.json") == 2
    assert time.monotonic() - started >= 0.9  # waited as the server asked


def test_retry_after_is_capped(server: ScriptedServer) -> None:
    session = BarnacleSession(HttpSettings(retries=2, backoff=0.01, max_retry_after=0.2))
    server.route("/m.json", Response(503, "busy", {"Retry-After": "3600"}), {"ok": 1})
    log = RetryLog()
    assert get_json(server.url("/m.json"), session, retry_log=log) == {"ok": 1}
    # The one retry's lost time is the failed attempt plus the wait, capped at 0.2 s (not an
    # hour): the whole loss stays far below the 3,600 s the server asked for.
    assert log.retries == 1 and log.lost_ms < 60_000


def test_500_forever_gives_up_with_url_and_status(server: ScriptedServer) -> None:
    server.route("/m.json", Response(500, "<html>Internal Server Error</html>"))
    with pytest.raises(FetchError) as info:
        get_json(server.url("/m.json"))
    assert info.value.status == 500
    assert server.url("/m.json") in str(info.value) and "HTTP 500" in str(info.value)
    assert server.hits("/m.json") == 4  # first try + 3 retries (the test session's setting)


def test_html_error_page_with_200_is_not_a_json_traceback(server: ScriptedServer) -> None:
    server.route("/m.json", Response(200, "<html><body>Please log in</body></html>"))
    with pytest.raises(FetchError) as info:
        get_json(server.url("/m.json"))
    message = str(info.value)
    assert "expected JSON but got text/html" in message and "Please log in" in message
    assert "HTTP 200" in message


def test_404_is_not_retried(server: ScriptedServer) -> None:
    with pytest.raises(FetchError) as info:
        get_json(server.url("/missing.json"))
    assert info.value.status == 404 and server.hits("/missing.json") == 1


def test_user_agent_is_honest_and_contact_settable(server: ScriptedServer) -> None:
    server.route("/m.json", {"ok": 1})
    get_session(HttpSettings(contact="mailto:ocr@library.example"))
    get_json(server.url("/m.json"))
    user_agent = server.log[-1][1]["User-Agent"]
    assert user_agent == f"barnacle/{__version__} (+mailto:ocr@library.example)"


def test_min_interval_paces_requests_to_one_host(server: ScriptedServer) -> None:
    server.route("/m.json", {"ok": 1})
    session = BarnacleSession(HttpSettings(min_interval=0.3))
    started = time.monotonic()
    for _ in range(3):
        get_json(server.url("/m.json"), session)
    assert time.monotonic() - started >= 0.55


def test_unreachable_server_and_bad_schemes() -> None:
    session = BarnacleSession(HttpSettings(retries=1, backoff=0.01, connect_timeout=1))
    with pytest.raises(FetchError, match="could not connect"):
        get_json("http://127.0.0.1:9/nothing.json", session)
    for url in ("file:///etc/passwd", "ftp://example.org/x.json", "notaurl"):
        with pytest.raises(FetchError, match="http"):
            get_json(url)


def test_retry_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "BARNACLE_RETRIES": "2",
        "BARNACLE_BACKOFF": "0.5",
        "BARNACLE_READ_TIMEOUT": "7",
        "BARNACLE_CONNECT_TIMEOUT": "3",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = HttpSettings.from_env(retries=None, contact="x")
    assert (settings.retries, settings.backoff, settings.read_timeout) == (2, 0.5, 7.0)
    assert (settings.connect_timeout, settings.contact) == (3.0, "x")
    assert HttpSettings.from_env(retries=4).retries == 4  # the command line wins
    # 403 once and undecodable bodies twice, never more than `retries`; backoff doubles.
    assert [settings.retry_limit(k) for k in ("status", "forbidden", "corrupt")] == [2, 1, 2]
    assert [settings.backoff_delay(n) for n in range(3)] == [0.5, 1.0, 2.0]


def test_retry_after_as_seconds_or_http_date() -> None:
    from barnacle.http_client.retrying import retry_after_seconds

    now = 1445412480.0  # Wed, 21 Oct 2015 07:28:00 GMT
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:29:00 GMT", now=now) == 60.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:27:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
