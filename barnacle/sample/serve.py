"""Run the sample IIIF server: in-process for tests and the demo, or in the foreground.

    with serve_sample("data/sample") as base:
        requests.get(f"{base}/collection.json")

The command line (``scripts/serve-sample``, ``python -m barnacle.sample``) is :func:`main`.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from barnacle.atomic import atomic_write_text
from barnacle.defaults import SAMPLE_PORT
from barnacle.sample.app import create_app
from barnacle.sample.image_api import DEFAULT_MAX_SIZE
from barnacle.serving import serve_until_stopped

# How often the server thread of serve_sample looks for a shutdown request: leaving the block
# waits up to this long, at the end of every test that serves the samples.
STOP_POLL_S = 0.02


class QuietRequestHandler(WSGIRequestHandler):
    """Request handler that does not log every request (errors are still logged)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def base_url(server: BaseWSGIServer, host: str) -> str:
    """``http://host:port`` of a listening server (IPv6 hosts in brackets)."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{server.server_port}"


def make_sample_server(
    data_dir: str | Path,
    host: str = "127.0.0.1",
    port: int = 0,
    delay_s: float = 0.0,
    max_size: int = DEFAULT_MAX_SIZE,
    quiet: bool = True,
) -> BaseWSGIServer:
    """A threaded werkzeug server, already listening (port 0: a free port)."""
    app = create_app(data_dir, delay_s=delay_s, max_size=max_size)
    handler = QuietRequestHandler if quiet else WSGIRequestHandler
    return make_server(host, port, app, threaded=True, request_handler=handler)


@contextmanager
def serve_sample(
    data_dir: str | Path,
    host: str = "127.0.0.1",
    port: int = 0,
    delay_s: float = 0.0,
    max_size: int = DEFAULT_MAX_SIZE,
) -> Iterator[str]:
    """Serve the sample collection in a daemon thread; yields the base URL.

    The server is shut down and its socket closed when the block exits.
    """
    server = make_sample_server(data_dir, host, port, delay_s=delay_s, max_size=max_size)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": STOP_POLL_S},
        daemon=True,
        name=f"sample-iiif-{server.server_port}",
    )
    thread.start()
    try:
        yield base_url(server, host)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _write_port_file(path: Path, port: int) -> None:
    """Write the port atomically, so a reader never sees a partial file."""
    atomic_write_text(path, f"{port}\n")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="serve-sample",
        description="Serve Barnacle's sample IIIF collection (Presentation 2.1/3.0 manifests "
        "and an Image API 2.1/3.0 server) until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=SAMPLE_PORT, help=f"port ({SAMPLE_PORT}; 0: any free port)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path("data/sample"),
        help="directory with books.json and pages/ (data/sample)",
    )
    parser.add_argument(
        "--delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="sleep this long before answering each image request (benchmarks)",
    )
    parser.add_argument(
        "--max-size",
        type=int,
        default=DEFAULT_MAX_SIZE,
        metavar="PIXELS",
        help=f"maxWidth/maxHeight announced in info.json and enforced ({DEFAULT_MAX_SIZE})",
    )
    parser.add_argument(
        "--port-file",
        type=Path,
        default=None,
        metavar="PATH",
        help="write the port here once listening (removed on exit)",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    args = parser.parse_args(argv)
    if args.delay < 0:
        parser.error("--delay must not be negative")
    if args.max_size < 1:
        parser.error("--max-size must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        server = make_sample_server(
            args.data_dir,
            args.host,
            args.port,
            delay_s=args.delay,
            max_size=args.max_size,
            quiet=args.quiet,
        )
    except FileNotFoundError as err:
        print(f"serve-sample: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"serve-sample: cannot listen on {args.host}:{args.port}: {err}", file=sys.stderr)
        return 1
    base = base_url(server, args.host)
    if args.port_file:
        _write_port_file(args.port_file, server.server_port)
    print(f"Sample IIIF collection: {base}/collection.json", flush=True)
    print(f"  (Presentation 2.1: {base}/collection-v2.json; Ctrl-C to stop)", flush=True)
    try:
        serve_until_stopped(server)
    finally:
        if args.port_file:
            args.port_file.unlink(missing_ok=True)
    return 0
