"""Real HTTP servers on 127.0.0.1 (a free port) run in a thread for one test's duration."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
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
def tcp_listener(handle: Callable[[socket.socket], None]) -> Iterator[int]:
    """A bare TCP port of 127.0.0.1 (a free one; yielded) whose thread passes each accepted
    connection to `handle`, until the block ends: then the listener is shut down, which wakes
    the accept at once, and the thread is joined."""
    listener = socket.create_server(("127.0.0.1", 0))

    def accept() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            handle(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        try:
            listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() on Linux
        except OSError:
            pass
        listener.close()
        thread.join(timeout=5)


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
