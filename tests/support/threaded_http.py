"""Real HTTP servers on 127.0.0.1 (a free port) run in a thread for one test's duration."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer


def local_server(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    """`handler` bound to a free port of 127.0.0.1, one thread per request."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    return server


@contextmanager
def serve_in_thread(server: HTTPServer) -> Iterator[str]:
    """Serve until the block ends, then close; yields the base URL, http://127.0.0.1:PORT."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
