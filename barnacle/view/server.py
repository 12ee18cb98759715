"""`make view`: one local web server for a run (stdlib ThreadingHTTPServer, no framework: a
handful of read-only routes do not need one).

    /                           the run report (report.py), sortable with ?sort=&order=
    /progress.png               the progress chart (barnacle.run.chart)
    /worst                      pages by mean line confidence, and pages with no lines
    /find?q=                    collection-wide search as a page of links into the viewer
    /search?q=&page=            collection-wide IIIF Content Search 2.0 (JSON)
    /iiif/<sha1>/manifest.json  the derived manifest (exported on demand), ids on this server
    /iiif/<sha1>/annotations/NNNN.json
    /iiif/<sha1>/search?q=&page=  the manifest's SearchService2
    /alto/<sha1>/NNNN.xml, /text/<sha1>.txt  the exports the derived manifest links to
    /image/<sha1>/<n>/...       page n's image from the run's image cache (page_images.py)
    /view/<sha1>?canvas=<id>    Mirador on the derived manifest, OCR lines shown
    /mirador/...                the Mirador bundle fetched by `make mirador`

Every request passes barnacle.view.access first (its Host names this server, it carries the
token when there is one); ids in the JSON start with the public URL, never the Host header.
"""

from __future__ import annotations

import errno
import json
import re
import sys
from collections.abc import Callable
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from barnacle.defaults import VIEW_BACKLOG
from barnacle.display import printable
from barnacle.run_folder import RunFolder
from barnacle.view.access import Access, AccessError, check_token, cors_route, public_url
from barnacle.view.content_search import PAGE_SIZE, search_page
from barnacle.view.derived import ExportFailed
from barnacle.view.paging import BadPaging, paging_number
from barnacle.view.report import page, page_row, render_report
from barnacle.view.run_view import RunView
from barnacle.view.viewer import viewer_page

SHA1 = r"[0-9a-f]{40}"
WORST_PAGE = 200


class ViewError(RuntimeError):
    """A user error: one line, the server does not start."""


class Handler(BaseHTTPRequestHandler):
    server: ViewServer
    protocol_version = "HTTP/1.1"
    cookie: str | None = None

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if self.server.verbose:
            super().log_message(format, *args)

    @property
    def view(self) -> RunView:
        return self.server.view

    def base(self) -> str:  # --public-url: the ids served never follow the Host header
        return self.server.access.public_url

    def send(self, body: bytes, ctype: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if cors_route(self.path):
            self.send_header("Access-Control-Allow-Origin", "*")
        if self.cookie:
            self.send_header("Set-Cookie", self.cookie)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, data: Any, status: int = 200) -> None:
        body = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
        self.send(body, "application/ld+json;charset=utf-8", status)

    def send_html(self, html: str, status: int = 200) -> None:
        self.send(html.encode("utf-8"), "text/html;charset=utf-8", status)

    def fail(self, status: int, message: str) -> None:
        if self.path.startswith(("/iiif/", "/search")):
            self.send_json({"error": message}, status)
        else:
            self.send_html(page("error", f"<h1>{status}</h1><p>{escape(message)}</p>"), status)

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        self.cookie = self.server.access.cookie(query)  # Set-Cookie: the token of ?token=
        refused = self.server.access.refusal(self.headers, query)
        if refused:
            self.fail(*refused)
            return
        for pattern, route in ROUTES:
            found = re.fullmatch(pattern, url.path)
            if found:
                try:
                    route(self, query, *found.groups())
                except ExportFailed as err:
                    self.fail(HTTPStatus.INTERNAL_SERVER_ERROR, str(err))
                except BadPaging as err:
                    self.fail(HTTPStatus.BAD_REQUEST, str(err))
                except (BrokenPipeError, ConnectionResetError):
                    pass
                except Exception as err:  # one line in the log and a 500, not a traceback
                    message = f"{url.path}: {type(err).__name__}: {err}"
                    print(f"barnacle view: error: {printable(message)}", file=sys.stderr)
                    self.fail(HTTPStatus.INTERNAL_SERVER_ERROR, message)
                return
        self.fail(HTTPStatus.NOT_FOUND, f"nothing at {url.path}")

    # -- routes ------------------------------------------------------------------------

    def report(self, query: dict[str, str]) -> None:
        data, _ = self.view.report()
        html = render_report(
            data,
            self.view.run_dir.name,
            query.get("sort", "index"),
            query.get("order", "asc"),
            self.view.has_mirador(),
        )
        self.send_html(html)

    def chart(self, query: dict[str, str]) -> None:
        self.send(self.view.report()[1], "image/png")

    def worst(self, query: dict[str, str]) -> None:
        self.view.refresh_index()
        offset = paging_number(query, "offset")
        index = self.view.index
        out = [
            "<h1>Worst pages</h1><p>Pages by mean line confidence, lowest first; each "
            "link opens the viewer at that page.</p><table id=worst><tr><th>mean line "
            "confidence</th><th>lines</th><th>manifest</th><th>page</th></tr>"
        ]
        rows = index.worst_pages(WORST_PAGE, offset)
        out += [page_row(row) for row in rows]
        out.append("</table>")
        if len(rows) == WORST_PAGE:
            out.append(f"<p><a href='/worst?offset={offset + WORST_PAGE}'>next {WORST_PAGE}</a>")
        empty = index.pages_without_lines(WORST_PAGE)
        out.append(f"<h2>Pages with no lines ({index.count_pages_without_lines()})</h2>")
        out.append(
            "<table id=no-lines><tr><th></th><th>lines</th><th>manifest</th><th>page</th></tr>"
        )
        out += [page_row(row) for row in empty]
        out.append("</table>")
        self.send_html(page("worst pages", "".join(out)))

    def find(self, query: dict[str, str]) -> None:
        q = query.get("q", "")
        offset = paging_number(query, "offset")
        out = [
            "<h1>Search the run</h1><form action='/find'><input name=q value='"
            f"{escape(q)}' autofocus> <button>search</button></form>"
        ]
        if q:
            self.view.refresh_index()
            matches = self.view.index.search(q, offset=offset, limit=100)
            more = "" if matches.exact else "more than "
            out.append(
                f"<p id=total>{more}{matches.total if matches.exact else matches.total - 1}"
                " lines</p><ol start={}>".format(offset + 1)
            )
            for hit in matches.hits:
                link = f"/view/{hit.sha1}?{urlencode({'canvas': hit.canvas_id})}"
                out.append(
                    f"<li><a href='{escape(link)}'>{escape(hit.text)}</a> "
                    f"<small>page {hit.canvas_index + 1}, "
                    f"{escape(hit.manifest_url)}</small>"
                )
            out.append("</ol>")
            if offset + 100 < matches.total:
                nxt = urlencode({"q": q, "offset": offset + 100})
                out.append(f"<p><a href='/find?{nxt}'>next 100</a>")
        self.send_html(page("search", "".join(out)))

    def search(self, query: dict[str, str], sha1: str | None = None) -> None:
        q = query.get("q", "")
        number = paging_number(query, "page")
        base = self.base()
        publish = f"{base}/iiif/"
        if sha1 is not None and not self.view.derived.ensure(sha1, publish):
            self.fail(HTTPStatus.NOT_FOUND, f"no finished manifest {sha1} in this run")
            return
        self.view.refresh_index()
        matches = self.view.index.search(q, sha1, number * PAGE_SIZE, PAGE_SIZE)
        service = f"{publish}{sha1}/search" if sha1 else f"{base}/search"

        def canvas_size(s: str, canvas: str) -> tuple[int, int] | None:
            return self.view.derived.canvas_sizes(s, publish).get(canvas)

        def manifest_id(s: str) -> str:
            return f"{publish}{s}/manifest.json"

        self.send_json(
            search_page(
                matches, q, service, number, PAGE_SIZE, canvas_size, None if sha1 else manifest_id
            )
        )

    def export_file(self, fmt: str, sha1: str, path: Path, ctype: str) -> None:
        body = self.view.derived.read(sha1, fmt, path, f"{self.base()}/iiif/")
        if body is None:
            self.fail(HTTPStatus.NOT_FOUND, f"no such {fmt} file of {sha1} (not finished?)")
            return
        if fmt == "iiif" and path == self.view.run.iiif_manifest(sha1):  # pages from the cache
            body = self.view.page_images.localize(body, sha1, self.base())
        self.send(body, ctype)

    def iiif(self, query: dict[str, str], sha1: str, rel: str) -> None:
        path = self.view.run.iiif_dir(sha1) / rel
        self.export_file("iiif", sha1, path, "application/ld+json;charset=utf-8")

    def page_image(self, query: dict[str, str], sha1: str, index: str, what: str) -> None:
        reply = self.view.page_images.reply(sha1, int(index), what, self.base())
        if reply is None:
            self.fail(HTTPStatus.NOT_FOUND, f"page {index} of {sha1}: no image in the cache")
            return
        self.send(*reply)

    def alto(self, query: dict[str, str], sha1: str, name: str) -> None:
        path = self.view.run.export_dir("alto") / sha1 / name
        self.export_file("alto", sha1, path, "application/xml;charset=utf-8")

    def text(self, query: dict[str, str], sha1: str) -> None:
        path = self.view.run.text_file(sha1)
        self.export_file("text", sha1, path, "text/plain;charset=utf-8")

    def viewer(self, query: dict[str, str], sha1: str) -> None:
        manifest = f"{self.base()}/iiif/{sha1}/manifest.json"
        if not self.view.derived.ensure(sha1, f"{self.base()}/iiif/"):
            self.fail(HTTPStatus.NOT_FOUND, f"no finished manifest {sha1} in this run")
            return
        self.send_html(viewer_page(sha1, manifest, query.get("canvas"), self.view.has_mirador()))

    def mirador_file(self, query: dict[str, str], name: str) -> None:
        path = self.view.mirador / name
        if not path.is_file():
            self.fail(HTTPStatus.NOT_FOUND, "Mirador is not installed: run `make mirador`")
            return
        ctype = "text/javascript" if name.endswith(".js") else "application/json"
        self.send(path.read_bytes(), ctype)


Route = Callable[..., None]
ROUTES: list[tuple[str, Route]] = [
    (r"/", Handler.report),
    (r"/progress\.png", Handler.chart),
    (r"/worst", Handler.worst),
    (r"/find", Handler.find),
    (r"/search", Handler.search),
    (rf"/iiif/({SHA1})/search", Handler.search),
    (rf"/iiif/({SHA1})/(manifest\.json|annotations/\d+\.json)", Handler.iiif),
    (rf"/alto/({SHA1})/(\d+\.xml)", Handler.alto),
    (rf"/text/({SHA1})\.txt", Handler.text),
    (rf"/image/({SHA1})/(\d{{1,9}})/(info\.json|full/[^/]+/0/default\.\w+)", Handler.page_image),
    (rf"/view/({SHA1})", Handler.viewer),
    (r"/mirador/(mirador\.min\.js(?:\.map)?)", Handler.mirador_file),
]


class ViewServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = VIEW_BACKLOG  # a burst of connections waits instead of being dropped

    def __init__(self, address: tuple[str, int], view: RunView, verbose: bool = False):
        self.view = view
        self.verbose = verbose
        super().__init__(address, Handler)
        self.access = Access(public_url(None, address[0], int(self.server_address[1])))


def open_view(
    run_dir: Path,
    host: str,
    port: int,
    refresh_s: float = 5.0,
    verbose: bool = False,
    cache_dir: Path | None = None,
    announce: bool = False,
    public: str | None = None,
    token: str | None = None,
) -> ViewServer:
    """Check the run, bind the port, bring the index up to date; ViewError says why not.
    `public`: the URL users open (default: the bound address); `token`: the access token."""
    if not run_dir.is_dir():
        raise ViewError(f"{run_dir}: no such run folder (make view RUN=<name> of runs/<name>)")
    table = RunFolder(run_dir).manifests_tsv
    if not table.is_file():
        raise ViewError(f"{table} not found: not a run folder (make run first)")
    try:
        token, given = check_token(token), public_url(public, host, port) if public else None
    except AccessError as err:
        raise ViewError(str(err)) from None
    view = RunView(run_dir, refresh_s, cache_dir=cache_dir)
    try:
        server = ViewServer((host, port), view, verbose)
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            raise ViewError(
                f"port {port} on {host} is in use: stop what holds it or pick another, "
                "e.g. make view VIEW_PORT=8190"
            ) from None
        raise ViewError(f"cannot listen on {host}:{port}: {err.strerror}") from None
    server.access = Access(given or server.access.public_url, token)
    try:
        view.refresh_index(strict=True, announce=announce)
    except ValueError as err:
        server.server_close()
        raise ViewError(str(err)) from None
    return server
