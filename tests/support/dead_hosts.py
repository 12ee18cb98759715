"""Image hosts that cannot be reached, on 127.0.0.1, for tests/test_host_breaker.py and
bench/bench_hostile_input.py: a closed port (connection refused), a port that accepts each
connection and hangs up at once, counting them, and a book whose images live on such a host.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from support import iiif_docs as docs
from support.scripted_server import ScriptedServer
from support.threaded_http import tcp_listener


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


@dataclass
class HangingUp:
    """A port that accepts connections and resets each at once, before any answer."""

    port: int
    accepted: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def hanging_up_server() -> Iterator[HangingUp]:
    """A HangingUp server; `accepted` counts the connections made to it (each is counted
    before it is reset, so a client that saw the reset has been counted)."""
    state = HangingUp(port=0)
    lock = threading.Lock()

    def hang_up(connection: socket.socket) -> None:
        with lock:
            state.accepted += 1
        # SO_LINGER 0: close sends a reset, as a server process that dies would.
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.close()

    with tcp_listener(hang_up) as port:
        state.port = port
        yield state


def serve_dead_host_book(server: ScriptedServer, name: str, pages: int, image_base: str) -> str:
    """/<name>.json on `server`: a v3 manifest of `pages` canvases whose images and image
    services are on `image_base` (a dead host); returns the manifest URL."""
    canvases = [docs.v3_canvas(f"{name}{i}") for i in range(pages)]
    text = json.dumps(docs.v3_manifest(name, canvases))
    for part in ("/img/", "/iiif/"):
        text = text.replace("{base}" + part, image_base + part)
    server.route(f"/{name}.json", json.loads(text))
    return server.url(f"/{name}.json")
