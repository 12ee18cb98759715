"""A fault-injecting HTTP proxy on 127.0.0.1, in front of a real IIIF server, for tests and
benchmarks.

    with serve_sample(folder) as upstream, chaos_server(upstream) as chaos:
        chaos.add(Rule(pattern=r"/full/", schedule=[Fault.http(503)], tag="flaky"))
        ...                                  # fetch from chaos.base instead of upstream
        assert chaos.count("http_503") == 1  # every request and its fault are logged
        chaos.remove("flaky")                # faults can be taken away at any time

Requests are forwarded to `upstream` (with the proxy's Host, and the upstream's base URL
rewritten to the proxy's in JSON and text bodies, so manifests point back at the proxy).
Rules decide per request which fault, if any, to inject:

- `schedule`: the fault for the 1st, 2nd, ... request of each path the rule matches (None:
  pass through), then `then` for every later request (None: pass through);
- `probability` and `choices`: a fault drawn for each request, from a random generator seeded
  by (seed, path, request number), so a run injects the same faults whatever the order in
  which threads and processes make their requests.

Faults: latency, an HTTP status (429 with or without Retry-After, 403, 404, 5xx), a
connection reset part way through the body, a truncated body (complete as far as HTTP can
tell), an HTML page with status 200 where an image or JSON was expected, an info.json that
lies about the image's size, and a stall (nothing more is sent, so the client's read
timeout has to end it). The faults, rules and request log: support/chaos_faults.py.

Importable as `support.chaos_server` (tests) and as `tests.support.chaos_server` (bench
scripts that put the repository root on sys.path): it needs the standard library and
pydantic only.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import struct
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from .chaos_faults import LONGEST_STALL, TRANSIENT_FAULTS, Fault, FaultKind, Hit, Rule
from .threaded_http import STOP_POLL_S

__all__ = ["TRANSIENT_FAULTS", "ChaosServer", "Fault", "FaultKind", "Hit", "Rule", "chaos_server"]

_HOP_HEADERS = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "date",
    "server",
    "proxy-connection",
}
_HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>{title}</title></head>"
    "<body><h1>{title}</h1><p>Injected by the chaos server.</p></body></html>"
)


class _Armed:
    """A rule as added, with its own request count per path."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.regex = re.compile(rule.pattern)
        self.seen: Counter[str] = Counter()


class ChaosServer:
    """The proxy's state: rules, the request log, and the upstream it forwards to."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.base = ""
        self.log: list[Hit] = []
        self._rules: list[_Armed] = []
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._release = threading.Event()

    # --- rules -----------------------------------------------------------------------------

    def add(self, *rules: Rule) -> None:
        with self._lock:
            self._rules += [_Armed(rule) for rule in rules]

    def remove(self, tag: str) -> int:
        """Take away the rules with this tag (and release stalled requests); how many."""
        with self._lock:
            before = len(self._rules)
            self._rules = [armed for armed in self._rules if armed.rule.tag != tag]
            removed = before - len(self._rules)
        self.release_stalls()
        return removed

    def clear(self) -> None:
        """No faults any more: every request passes through."""
        with self._lock:
            self._rules = []
        self.release_stalls()

    @property
    def rules(self) -> list[Rule]:
        with self._lock:
            return [armed.rule for armed in self._rules]

    def release_stalls(self) -> None:
        """End every stall now (their clients have usually timed out already)."""
        with self._lock:
            released, self._release = self._release, threading.Event()
        released.set()

    # --- the log ---------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path_pattern: str = "", fault: str | None = None) -> list[Hit]:
        """Logged requests whose path matches `path_pattern` (a regular expression searched
        in the path) and, when given, whose fault label is `fault` ("any": any fault)."""
        regex = re.compile(path_pattern)
        with self._lock:
            logged = list(self.log)
        return [
            hit
            for hit in logged
            if regex.search(hit.path)
            and (fault is None or hit.fault == fault or (fault == "any" and hit.fault))
        ]

    def count(self, fault: str = "any", path_pattern: str = "") -> int:
        """How many requests got this fault (label, or "any")."""
        return len(self.hits(path_pattern, fault))

    def fault_counts(self) -> Counter[str]:
        """Injected faults by label."""
        with self._lock:
            return Counter(hit.fault for hit in self.log if hit.fault)

    # --- deciding --------------------------------------------------------------------------

    def _decide(self, path: str) -> tuple[Hit, Fault | None, threading.Event]:
        with self._lock:
            self._seen[path] += 1
            hit = Hit(path=path, number=self._seen[path])
            chosen: Fault | None = None
            for armed in self._rules:
                if not armed.regex.search(path):
                    continue
                armed.seen[path] += 1
                fault = armed.rule.fault_for(path, armed.seen[path])
                if fault is not None and chosen is None:
                    chosen = fault
                    hit.fault, hit.tag = fault.label, armed.rule.tag
            self.log.append(hit)
            return hit, chosen, self._release


class _Upstream(BaseModel):
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes


def _fetch_upstream(chaos: ChaosServer, path: str, headers: dict[str, str]) -> _Upstream:
    parts = urlsplit(chaos.upstream)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    try:
        connection.request("GET", parts.path + path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        kept = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP_HEADERS]
        return _Upstream(status=response.status, reason=response.reason, headers=kept, body=body)
    finally:
        connection.close()


def _is_text(headers: list[tuple[str, str]]) -> bool:
    content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
    return content_type.startswith(("text/", "application/json", "application/ld+json"))


def _lie_about_size(body: bytes, factor: float) -> bytes:
    """The info.json with width, height and `sizes` multiplied by `factor` (not the limits)."""
    try:
        info = json.loads(body)
    except ValueError:
        return body
    if not isinstance(info, dict):
        return body

    def scaled(value: Any) -> Any:
        return max(1, round(value * factor)) if isinstance(value, int) else value

    for key in ("width", "height"):
        info[key] = scaled(info.get(key))
    for size in info.get("sizes") or []:
        if isinstance(size, dict):
            size.update(width=scaled(size.get("width")), height=scaled(size.get("height")))
    return json.dumps(info).encode()


class _ChaosHandler(BaseHTTPRequestHandler):
    """Answers each request as the proxy's rules decide: forwarded, delayed or faulted."""

    server_version = "chaos/1"
    chaos: ChaosServer  # set by _handler

    def log_message(self, *args: Any) -> None:  # the Hit log is enough
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        hit, fault, release = self.chaos._decide(self.path)
        if fault is None:
            self._forward(hit)
        elif fault.kind == "latency":
            release.wait(fault.seconds)
            self._forward(hit)
        elif fault.kind == "status":
            extra = [("Retry-After", fault.retry_after)] if fault.retry_after else []
            title = f"{fault.status} {http.client.responses.get(fault.status, 'Error')}"
            self._send(hit, fault.status, _HTML_PAGE.format(title=title).encode(), extra)
        elif fault.kind == "html":
            page = _HTML_PAGE.format(title="Service temporarily unavailable").encode()
            self._send(hit, 200, page, [])
        elif fault.kind == "stall" and fault.fraction == 0:
            release.wait(fault.seconds or LONGEST_STALL)
            self.close_connection = True
        else:
            self._forward(hit, fault, release)

    def _upstream_headers(self) -> dict[str, str]:
        skip = {"host", "accept-encoding", "connection"}
        headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
        headers["Host"] = urlsplit(self.chaos.base).netloc  # upstream URLs name the proxy
        return headers

    def _forward(
        self, hit: Hit, fault: Fault | None = None, release: threading.Event | None = None
    ) -> None:
        try:
            got = _fetch_upstream(self.chaos, self.path, self._upstream_headers())
        except OSError as err:
            self._send(hit, 502, f"chaos proxy: upstream failed: {err}".encode(), [])
            return
        body = got.body
        if _is_text(got.headers):
            body = body.replace(self.chaos.upstream.encode(), self.chaos.base.encode())
        if fault is not None and fault.kind == "lie_size":
            body = _lie_about_size(body, fault.factor)
        if fault is None or fault.kind == "lie_size":
            self._send(hit, got.status, body, got.headers)
            return
        cut = body[: int(len(body) * fault.fraction)]
        if fault.kind == "truncate":
            self._send(hit, got.status, cut, got.headers)
            return
        hit.status = got.status
        self._head(got.status, got.headers, len(body))  # promises the whole body
        with suppress(OSError):
            self.wfile.write(cut)
            self.wfile.flush()
        if fault.kind == "stall" and release is not None:
            release.wait(fault.seconds or LONGEST_STALL)
            self.close_connection = True
        else:  # reset: RST instead of the rest of the body
            self._reset()

    def _head(self, status: int, headers: list[tuple[str, str]], length: int) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in _HOP_HEADERS:
                self.send_header(name, value)
        if not any(name.lower() == "content-type" for name, _ in headers):
            self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def _send(self, hit: Hit, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        hit.status = status
        with suppress(OSError):
            self._head(status, headers, len(body))
            self.wfile.write(body)

    def _reset(self) -> None:
        with suppress(OSError):
            # SO_LINGER 0: close() sends RST, as a crashed or killed server would
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        self.close_connection = True


def _handler(chaos: ChaosServer) -> type[BaseHTTPRequestHandler]:
    """The request handler class of one chaos proxy."""
    return type("Handler", (_ChaosHandler,), {"chaos": chaos})


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that gave up (timeouts) and our own resets are the point here


@contextmanager
def chaos_server(upstream: str, rules: Iterable[Rule] = (), port: int = 0) -> Iterator[ChaosServer]:
    """Serve a chaos proxy for `upstream` (http://host:port) on 127.0.0.1 (`port` 0: any free
    port) until the block ends; stalled requests are released then."""
    chaos = ChaosServer(upstream)
    chaos.add(*rules)
    server = _QuietServer(("127.0.0.1", port), _handler(chaos))
    chaos.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": STOP_POLL_S},
        daemon=True,
        name="chaos-server",
    )
    thread.start()
    try:
        yield chaos
    finally:
        chaos.release_stalls()
        server.shutdown()
        server.server_close()
