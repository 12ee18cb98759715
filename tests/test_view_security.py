"""`make view` against hostile requests and documents, on a real server on 127.0.0.1 (issue 20,
the view server): values in the viewer's inline script, lone surrogates in a source manifest,
paging numbers past SQLite's integers, the Host header and CORS, binding to every interface
with an access token, and a burst of 200 connections at once."""

from __future__ import annotations

import http.client
import json
import os
import select
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from barnacle.defaults import ExitCode
from barnacle.images import ImageCache
from barnacle.view.server import open_view
from barnacle.worker.manifest_source import MANIFEST_SUFFIX

from support.cli import barnacle
from support.paths import REPO
from support.threaded_http import serve_in_thread
from support.view_runs import (
    get,
    get_json,
    make_view_run,
    manifest_url,
    view_server,
    write_derived_manifest,
    write_records,
    write_source_manifest,
)

BURST = 200


@pytest.fixture
def run(tmp_path: Path) -> tuple[Path, dict]:
    run_dir = tmp_path / "runs" / "viewtest"
    return run_dir, make_view_run(run_dir)


def _request(base: str, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    """GET `path` of the server at `base` with `headers` as given (Host included)."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=60)
    try:
        names = {name.replace("_", "-"): value for name, value in headers.items()}
        connection.putrequest("GET", path, skip_host="Host" in names)
        for name, value in names.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


# -- 1. the viewer's inline script ------------------------------------------------------------


@pytest.mark.parametrize(
    "canvas",
    [
        "<!--<script>",
        "</script><script>alert(1)</script>",
        "x --> <!-- </SCRIPT >",
        "a\u2028b\u2029c &amp; &lt;",
        "http://iiif.invalid/m1/canvas/0?a=1&b=<2>",
    ],
)
def test_the_viewer_script_holds_any_canvas_value_as_data(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, canvas: str
) -> None:
    mirador = tmp_path / "mirador"
    mirador.mkdir()
    (mirador / "mirador.min.js").write_text("")
    monkeypatch.setenv("BARNACLE_MIRADOR_DIR", str(mirador))
    run_dir, facts = run
    sha1 = facts["sha1"][1]
    with view_server(run_dir) as base:
        write_derived_manifest(run_dir, 1, 3, f"{base}/iiif/")
        status, body = get(f"{base}/view/{sha1}?{urlencode({'canvas': canvas})}")
    assert status == 200
    html = body.decode()
    inline = html.split("<script>window.miradorInstance", 1)[1]  # the script that holds data
    script, rest = inline.split("</script>", 1)
    # nothing inside can start or end a tag, a comment or a character reference ...
    for sequence in ("<", ">", "&", "\u2028", "\u2029"):
        assert sequence not in script, (sequence, script)
    assert rest == "</body></html>"  # ... so the script ends where the page meant it to
    config = json.loads(script.removeprefix(" = Mirador.viewer(")[:-2])
    assert config["windows"][0]["canvasId"] == canvas  # and the value arrives unchanged


# -- 2. lone surrogates in a source manifest --------------------------------------------------


def _source_with_lone_surrogates(cache: Path) -> None:
    """Book 0's cached source manifest with labels holding lone surrogates, written as the
    JSON escapes a server sends (`"x \\ud800"`)."""
    write_source_manifest(cache, 0, 4, "http://images.invalid")
    path = ImageCache(cache).path_for(manifest_url(0), MANIFEST_SUFFIX)
    source = json.loads(path.read_text())
    source["label"] = {"en": ["x \ud800"]}
    source["items"][1]["label"] = {"en": ["p. \udfff 2"]}
    path.write_text(json.dumps(source))
    assert "\\ud800" in path.read_text()


def test_lone_surrogates_in_a_source_manifest_are_replaced_not_a_500(run, tmp_path: Path) -> None:
    run_dir, facts = run
    sha1 = facts["sha1"][0]
    cache = tmp_path / "cache"
    _source_with_lone_surrogates(cache)
    with view_server(run_dir, cache) as base:
        status, body = get(f"{base}/view/{sha1}")
        assert status == 200, body[:300]
        manifest = get_json(f"{base}/iiif/{sha1}/manifest.json")
        assert manifest["label"] == {"en": ["x \ufffd"]}
        assert manifest["items"][1]["label"] == {"en": ["p. \ufffd 2"]}
        page = get_json(manifest["items"][1]["annotations"][0]["id"])
        assert "the ship sailed to zanzibar at dawn" in [a["body"]["value"] for a in page["items"]]
        found = get_json(f"{base}/search?q=zanzibar")  # the run-wide search reads its sizes
        assert found["partOf"]["total"] == 1
        assert get_json(f"{base}/iiif/{sha1}/search?q=zanzibar")["partOf"]["total"] == 1


def test_export_replaces_lone_surrogates_and_writes_every_manifest(run, tmp_path: Path) -> None:
    run_dir, facts = run
    cache = tmp_path / "cache"
    _source_with_lone_surrogates(cache)
    write_source_manifest(cache, 1, 3, "http://images.invalid")
    done = barnacle(
        "export", "iiif,text", "--run", str(run_dir), "--force", "--cache-dir", str(cache)
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == ExitCode.INVALID  # counted as a problem of that manifest
    (problem,) = [line for line in done.stderr.splitlines() if "surrogate" in line]
    assert facts["sha1"][0] in problem and "U+FFFD" in problem
    for sha1 in facts["sha1"][:2]:
        manifest = json.loads((run_dir / "iiif" / sha1 / "manifest.json").read_bytes())
        assert manifest["id"].endswith(f"{sha1}/manifest.json")
        assert (run_dir / "text" / f"{sha1}.txt").is_file()
    written = json.loads((run_dir / "iiif" / facts["sha1"][0] / "manifest.json").read_bytes())
    assert written["label"] == {"en": ["x \ufffd"]}


def test_lone_surrogates_in_a_jsonl_do_not_stop_the_index(run) -> None:
    """A JSONL holding lone surrogates (written by hand or another tool: the worker's records
    cannot hold them) is indexed with U+FFFD in their place, not a failed refresh."""
    run_dir, facts = run
    path = run_dir / "ocr" / f"{facts['sha1'][1]}.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    records[0]["canvas_label"] = "p. \ud800"
    records[0]["ocr_lines"][0]["text"] = "common \udc00 word"
    write_records(path, records)
    with view_server(run_dir) as base:
        found = get_json(f"{base}/search?q=common")
        assert found["partOf"]["total"] == 90
        assert "common \ufffd word" in [item["body"]["value"] for item in found["items"]]
        assert get(f"{base}/worst")[0] == 200 and get(f"{base}/find?q=word")[0] == 200


# -- 3. paging numbers ------------------------------------------------------------------------

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    "path",
    [
        f"/search?q=common&page={HUGE}",
        "/iiif/{sha1}/search?q=common&page=" + HUGE,
        f"/find?q=common&offset={HUGE}",
        f"/worst?offset={HUGE}",
        "/search?q=common&page=" + "9" * 5000,  # more digits than Python's int() reads
    ],
)
def test_paging_numbers_past_sqlite_integers_are_a_400(run, path: str) -> None:
    run_dir, facts = run
    sha1 = facts["sha1"][1]
    with view_server(run_dir) as base:
        write_derived_manifest(run_dir, 1, 3, f"{base}/iiif/")
        status, body = get(base + path.format(sha1=sha1))
        assert status == 400, body[:300]
        name = "page" if "page=" in path else "offset"
        assert f"{name}=" in body.decode() and "out of range" in body.decode()
        # far but within range: an empty page, not an error
        far = path.replace("9" * 5000, "1000000").replace(HUGE, "1000000")
        status, body = get(base + far.format(sha1=sha1))
        assert status == 200, body[:300]


# -- 4. Host header and CORS ------------------------------------------------------------------


def test_ids_follow_the_public_url_not_the_host_header(run) -> None:
    run_dir, facts = run
    sha1 = facts["sha1"][1]
    with view_server(run_dir) as base:
        write_derived_manifest(run_dir, 1, 3, f"{base}/iiif/")
        port = urlsplit(base).port
        for host in (f"localhost:{port}", f"127.0.0.2:{port}", "[::1]"):
            status, _, body = _request(base, f"/iiif/{sha1}/manifest.json", Host=host)
            assert status == 200, (host, body[:300])
            assert json.loads(body)["id"] == f"{base}/iiif/{sha1}/manifest.json", host
            status, _, body = _request(base, "/search?q=zanzibar", Host=host)
            assert json.loads(body)["id"].startswith(f"{base}/search?"), host


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1.evil.example"])
def test_a_host_that_is_not_this_server_is_refused(run, host: str) -> None:
    """DNS rebinding: a name pointed at 127.0.0.1 reaches the server, and is refused."""
    run_dir, facts = run
    sha1 = facts["sha1"][1]
    with view_server(run_dir) as base:
        write_derived_manifest(run_dir, 1, 3, f"{base}/iiif/")
        for path in ("/", f"/iiif/{sha1}/manifest.json", "/search?q=zanzibar", "/find?q=x"):
            status, _, body = _request(base, path, Host=host)
            assert status == 403, (path, status)
            assert b"zanzibar" not in body and b"evil.example/" not in body
            assert b"public-url" in body


def test_a_configured_public_url_names_the_ids_and_the_accepted_host(run) -> None:
    run_dir, facts = run
    sha1 = facts["sha1"][1]
    public = "https://ocr.example.org/books"
    with view_server(run_dir, public=public + "/") as base:
        write_derived_manifest(run_dir, 1, 3, f"{base}/iiif/")
        status, _, body = _request(base, f"/iiif/{sha1}/manifest.json", Host="ocr.example.org")
        assert status == 200, body[:300]
        assert json.loads(body)["id"] == f"{public}/iiif/{sha1}/manifest.json"
        found = get_json(f"{base}/iiif/{sha1}/search?q=row")  # by 127.0.0.1 as well
        assert found["id"].startswith(f"{public}/iiif/{sha1}/search?")
        assert _request(base, "/", Host="ocr.example.org.evil.example")[0] == 403
    done = barnacle("view", str(run_dir), "--public-url", "ocr.example.org", "--port", "0")
    assert done.returncode == ExitCode.USAGE and "Traceback" not in done.stderr
    assert "--public-url" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_cors_headers_only_on_the_iiif_json_and_search_routes(run) -> None:
    run_dir, facts = run
    sha1 = facts["sha1"][1]
    with view_server(run_dir) as base:
        write_derived_manifest(run_dir, 1, 3, f"{base}/iiif/")
        shared = [f"/iiif/{sha1}/manifest.json", f"/iiif/{sha1}/search?q=row", "/search?q=row"]
        private = ["/", "/worst", "/find?q=row", f"/view/{sha1}", "/nothing"]
        for path in shared + private:
            status, headers, _ = _request(base, path)
            assert status in (200, 404), path
            cors = headers.get("Access-Control-Allow-Origin")
            assert cors == ("*" if path in shared else None), path


# -- 5. binding, the access token, the listen backlog -----------------------------------------


def test_the_access_token_by_query_cookie_or_header(run) -> None:
    run_dir, facts = run
    with view_server(run_dir, token="s3cret-Token") as base:
        status, _, body = _request(base, "/search?q=zanzibar")
        assert status == 401 and b"?token=" in body and b"zanzibar" not in body
        assert _request(base, "/", Authorization="Bearer wrong")[0] == 401
        assert _request(base, "/?token=wrong")[0] == 401
        status, headers, _ = _request(base, "/?token=s3cret-Token")
        assert status == 200
        cookie = headers["Set-Cookie"].split(";")[0]
        assert "HttpOnly" in headers["Set-Cookie"]
        status, _, body = _request(base, "/search?q=zanzibar", Cookie=cookie)
        assert status == 200 and json.loads(body)["partOf"]["total"] == 1
        assert _request(base, "/worst", Authorization="Bearer s3cret-Token")[0] == 200
    with pytest.raises(Exception, match="VIEW_TOKEN may hold only"):
        with view_server(run_dir, token="two words"):
            pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_listening(process: subprocess.Popen[str], port: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                return
        except OSError:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the view did not start"
            time.sleep(0.2)


def test_make_view_on_every_interface_warns_and_asks_for_the_token(run) -> None:
    run_dir, _ = run
    port = _free_port()
    command = ["make", "--no-print-directory", "-o", ".venv/.barnacle-installed", "view"]
    command += [f"RUNS_DIR={run_dir.parent}", f"RUN={run_dir.name}", f"VIEW_PORT={port}"]
    command += ["HOST=0.0.0.0", "VIEW_TOKEN=tok-123", "VIEW_PUBLIC_URL=http://localhost:1/"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    pipe = subprocess.PIPE
    process = subprocess.Popen(command, cwd=REPO, stdout=pipe, stderr=pipe, text=True, env=env)
    try:
        _wait_until_listening(process, port)
        base = f"http://127.0.0.1:{port}"
        assert _request(base, "/")[0] == 401
        status, _, body = _request(base, "/search?q=zanzibar&token=tok-123")
        assert status == 200 and json.loads(body)["id"].startswith("http://localhost:1/search?")
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "every interface" in warnings[0], err
    assert "tok-123" not in out + err  # the token is not echoed with the command
    # on 127.0.0.1 and with no token: no warning
    process = subprocess.Popen(
        [*command[:-3], "HOST=127.0.0.1"], cwd=REPO, stdout=pipe, stderr=pipe, text=True, env=env
    )
    try:
        _wait_until_listening(process, port)
        assert _request(f"http://127.0.0.1:{port}", "/worst")[0] == 200
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert "warning" not in err, err


def test_a_burst_of_200_connections_is_queued_and_answered(run) -> None:
    """The listen backlog: 200 clients connect before the server accepts any; every handshake
    completes, queued by the kernel (Python's default backlog of 5 let 6 through and dropped
    the rest), and each connection is answered once the server serves."""
    run_dir, _ = run
    server = open_view(run_dir, "127.0.0.1", 0, refresh_s=0)
    clients = [socket.socket() for _ in range(BURST)]
    try:
        for client in clients:
            client.setblocking(False)
            client.connect_ex(server.server_address[:2])
        assert _connected(clients, deadline_s=10) == BURST
        with serve_in_thread(server):
            for client in clients:
                client.setblocking(True)
                client.settimeout(120)
                client.sendall(b"GET /search?q=zanzibar HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            answered = [_status_line(client) for client in clients]
        assert answered == [b"HTTP/1.1 200 OK"] * BURST
    finally:
        for client in clients:
            client.close()
        server.server_close()
        server.view.index.close()


def _connected(clients: list[socket.socket], deadline_s: float) -> int:
    """How many of the non-blocking `clients` completed their handshake, waiting for the
    rest until `deadline_s` (a bound on the test, not a timing it checks)."""
    pending = set(clients)
    done = 0
    deadline = time.monotonic() + deadline_s
    while pending and time.monotonic() < deadline:
        _, writable, _ = select.select([], list(pending), [], 0.2)
        for client in writable:
            pending.discard(client)
            if client.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                done += 1
    return done


def _status_line(client: socket.socket) -> bytes:
    data = b""
    while b"\r\n" not in data:
        chunk = client.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.split(b"\r\n", 1)[0]
