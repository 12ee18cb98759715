"""Hostile documents and servers, shared by tests/test_hostile_input.py (which asserts how the
worker and the listing scripts end on them) and bench/bench_hostile_input.py (which times
them): a decompression-bomb PNG, a TCP port that is not HTTP or never answers, a book with a
bomb page, and a manifest of 100,000 canvases, plus the probe that plans that manifest in a
child process and reports its time and memory growth.
"""

from __future__ import annotations

import json
import socket
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from support import iiif_docs as docs
from support.fast_pages import image_path, page_png, serve_fast_book
from support.scripted_server import Response, ScriptedServer
from support.threaded_http import tcp_listener

BOMB_SIDE = 20_000
BOMB_PATH = "/iiif/huge/full/3000,/0/default.jpg"  # what a level-1 service is asked (`w,`)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@cache
def bomb_png(side: int = BOMB_SIDE) -> bytes:
    """A 1-bit PNG of side x side black pixels: 400 Mpx (50 MB decoded at 1 bit, 400 MB as the
    8-bit image OCR wants) in about 50 KB."""
    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte 0, then the packed pixels
    packer = zlib.compressobj(9)
    block = 1000
    data = [packer.compress(row * block) for _ in range(side // block)]
    data.append(packer.compress(row * (side % block)) + packer.flush())
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + b"".join(
        (_chunk(b"IHDR", header), _chunk(b"IDAT", b"".join(data)), _chunk(b"IEND", b""))
    )


@contextmanager
def tcp_server(greeting: bytes | None) -> Iterator[int]:
    """A TCP port that is not HTTP: it sends `greeting` and hangs up, or (None) accepts and
    never says a word. Yields the port."""
    held: list[socket.socket] = []

    def answer(connection: socket.socket) -> None:
        if greeting is None:
            held.append(connection)
        else:
            connection.sendall(greeting)
            connection.close()

    try:
        with tcp_listener(answer) as port:
            yield port
    finally:
        for connection in held:
            connection.close()


def serve_bomb_book(server: ScriptedServer) -> str:
    """/bomb.json: two fast pages, the second's info.json admitting 20000 x 20000 and its
    image a 50 KB decompression bomb; returns the manifest URL."""
    url = serve_fast_book(server, "bomb", 2)
    manifest = server.routes["/bomb.json"][0].body
    assert isinstance(manifest, dict)
    service = manifest["items"][1]["items"][0]["items"][0]["body"]["service"][0]
    service["id"] = "{base}/iiif/huge"
    info = {
        "id": "{base}/iiif/huge",
        "type": "ImageService3",
        "width": BOMB_SIDE,
        "height": BOMB_SIDE,
        "profile": "level1",
    }
    server.route("/iiif/huge/info.json", info)
    server.route(BOMB_PATH, Response(200, bomb_png(), {"Content-Type": "image/png"}))
    return url


def huge_manifest(base: str, canvases: int) -> bytes:
    """A v3 manifest of `canvases` minimal canvases, each with its image service."""
    items = []
    for index in range(canvases):
        canvas = f"{base}/big/c{index}"
        body = {
            "id": f"{base}/big/i{index}.jpg",
            "type": "Image",
            "service": [{"id": f"{base}/iiif/big-p{index}", "type": "ImageService3"}],
        }
        annotation = {
            "id": f"{canvas}/a",
            "type": "Annotation",
            "motivation": "painting",
            "body": body,
            "target": canvas,
        }
        page = {"id": f"{canvas}/p", "type": "AnnotationPage", "items": [annotation]}
        items.append(json.dumps({"id": canvas, "type": "Canvas", "items": [page]}))
    head = {"@context": docs.V3_CONTEXT, "id": f"{base}/big.json", "type": "Manifest"}
    head_text = json.dumps(head | {"label": {"en": ["big"]}})
    return (head_text[:-1] + ', "items": [' + ",".join(items) + "]}").encode()


def serve_huge_manifest(server: ScriptedServer, canvases: int, pages: int = 2) -> bytes:
    """/big.json: `huge_manifest` with its first `pages` pages served (fast strips); returns
    the document."""
    document = huge_manifest(server.base, canvases)
    server.route("/big.json", Response(200, document, {"Content-Type": "application/json"}))
    for index in range(pages):
        page = f"big-p{index}"
        info = {
            "id": f"{{base}}/iiif/{page}",
            "type": "ImageService3",
            "width": 8,
            "height": 400,
            "profile": "level1",
        }
        server.route(f"/iiif/{page}/info.json", info)
        image = Response(200, page_png(index), {"Content-Type": "image/png"})
        server.route(image_path(page), image)
    return document


# Plans and OCRs the first two pages of the manifest at argv[1] into argv[2] (cache argv[3]),
# in a process of its own; prints its exit code, pages, seconds and memory growth as JSON.
PLAN_PROBE = r"""
import json, resource, sys, time
from pathlib import Path
from PIL import Image
from barnacle.worker import WorkerOptions, page_process, process_manifest
from barnacle.model_files.resolve import resolve_model
page_process.init_engine(str(resolve_model(None)[1]), "cpu", 1, None, child=False)
page_process._engine.ocr(Image.new("L", (8, 400), 255))  # kraken's first-page costs: not ours
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
begun = time.monotonic()
options = WorkerOptions(cache_dir=Path(sys.argv[3]), page_processes=1, progress=False, max_pages=2)
result = process_manifest(sys.argv[1], Path(sys.argv[2]), options)
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"exit": result.exit_code, "total": result.pages_total,
                  "seconds": time.monotonic() - begun, "grown_mb": grown / 1024}))
"""
