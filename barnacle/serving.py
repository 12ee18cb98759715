"""Serving an HTTP server in the foreground (`barnacle view`, `scripts/serve-sample`) until
Ctrl-C or SIGTERM (`kill`, make stopping a job), then closing its socket."""

from __future__ import annotations

import signal
import threading
from socketserver import BaseServer
from types import FrameType


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve_until_stopped(server: BaseServer) -> None:
    """Serve on this thread until Ctrl-C or SIGTERM, both a clean stop; the socket is closed
    however serving ends. SIGTERM's previous handler is put back afterwards."""
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if main_thread else None
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
