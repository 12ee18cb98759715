"""Real HTTP servers on 127.0.0.1 (a free port) run in a thread for one test's duration."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer

# How often serve_forever looks for a shutdown request: server.shutdown() waits up to this long,
# so the standard 0.5 s added about a quarter of a second to the end of every test with a server.
STOP_POLL_S = 0.02


def local_server(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    """`handler` bound to a free port of 127.0.0.1, one thread per request."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    return server


@contextmanager
def serve_in_thread(server: HTTPServer) -> Iterator[str]:
    """Serve until the block ends, then close; yields the base URL, http://127.0.0.1:PORT."""
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": STOP_POLL_S}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
