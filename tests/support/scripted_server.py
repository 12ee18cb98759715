"""A real HTTP server on 127.0.0.1 for tests: each path answers from a script of responses.

A route is a list of responses served in turn (the last one repeats), so "429 then 200" or
"500 forever" are one line each. Every request is logged, so tests can count them.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from support.threaded_http import local_server, serve_in_thread

TRICKLE_PIECES = 4


@dataclass
class Response:
    status: int = 200
    body: bytes | str | Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    trickle: float = 0.0  # seconds spent sending the body, in TRICKLE_PIECES pieces

    def payload(self, base: str) -> tuple[bytes, str]:
        body = self.body
        if isinstance(body, (dict, list)):
            text = json.dumps(body).replace("{base}", base)
            return text.encode(), "application/json"
        if isinstance(body, str):
            return body.replace("{base}", base).encode(), "text/html; charset=utf-8"
        return body, "application/octet-stream"


def json_doc(doc: Any, status: int = 200) -> Response:
    return Response(status=status, body=doc)


@dataclass
class ScriptedServer:
    base: str = ""
    routes: dict[str, list[Response]] = field(default_factory=dict)
    log: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def route(self, path: str, *responses: Response | dict | list) -> None:
        self.routes[path] = [r if isinstance(r, Response) else json_doc(r) for r in responses]

    def hits(self, path: str) -> int:
        return sum(1 for logged, _ in self.log if logged == path)

    def url(self, path: str) -> str:
        return self.base + path


@contextmanager
def scripted_server() -> Iterator[ScriptedServer]:
    state = ScriptedServer()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            path = self.path
            with lock:
                state.log.append((path, dict(self.headers.items())))
                script = state.routes.get(path)
                if script is None:
                    response = Response(404, "<html><body>Not Found</body></html>")
                else:
                    response = script.pop(0) if len(script) > 1 else script[0]
            if response.delay:
                time.sleep(response.delay)
            body, content_type = response.payload(state.base)
            self.send_response(response.status)
            headers = {"Content-Type": content_type, **response.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not response.trickle:
                self.wfile.write(body)
                return
            piece = max(1, -(-len(body) // TRICKLE_PIECES))
            try:
                for start in range(0, len(body), piece):
                    self.wfile.write(body[start : start + piece])
                    self.wfile.flush()
                    time.sleep(response.trickle / TRICKLE_PIECES)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client went away mid-body (killed): nothing to answer

    with serve_in_thread(local_server(Handler)) as base:
        state.base = base
        yield state
