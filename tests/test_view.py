"""`make view` against a real server on 127.0.0.1: Content Search 2.0 (boxes in canvas
coordinates, paging, FTS syntax as text, re-indexing), the report's numbers against `make
summary`'s, the worst pages, the derived IIIF with ids on this server, and bad input."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from support.paths import REPO
from support.view_runs import (
    CANVAS_W,
    IMAGE_W,
    canvas_id,
    get,
    get_json,
    make_view_run,
    rewrite_records,
    view_server,
    write_derived_manifest,
    write_source_manifest,
)


@pytest.fixture
def run(tmp_path: Path) -> tuple[Path, dict]:
    run_dir = tmp_path / "runs" / "viewtest"
    return run_dir, make_view_run(run_dir)


def _xywh(target: str) -> tuple[str, list[int]]:
    canvas, _, fragment = target.partition("#xywh=")
    return canvas, [int(v) for v in fragment.split(",")]


def test_search_finds_a_word_on_the_right_canvas_in_canvas_coordinates(run) -> None:
    run_dir, facts = run
    sha1 = facts["sha1"][0]
    with view_server(run_dir) as base:
        write_derived_manifest(run_dir, 0, 4, f"{base}/iiif/")
        found = get_json(f"{base}/iiif/{sha1}/search?q=Zanzibar")
        assert found["@context"] == "http://iiif.io/api/search/2/context.json"
        assert found["type"] == "AnnotationPage" and found["partOf"]["total"] == 1
        (item,) = found["items"]
        canvas, (x, y, w, h) = _xywh(item["target"])
        assert canvas == canvas_id(0, 1)  # page 2 of book 0
        # line 4 is at y 50 + 40 * 4 = 210 in the 1000 px image; the canvas is twice as large
        scale = CANVAS_W / IMAGE_W
        text = "the ship sailed to zanzibar at dawn"
        assert (x, y, w, h) == (100 * scale, 210 * scale, 10 * len(text) * scale, 30 * scale)
        assert item["body"]["value"] == text and item["motivation"] == "supplementing"
        (highlight,) = found["annotations"][0]["items"]
        assert highlight["motivation"] == "highlighting"
        assert highlight["target"]["source"] == item["id"]
        assert highlight["target"]["selector"][0]["exact"] == "zanzibar"
        # accents and case folded as the index folds them
        assert (
            get_json(f"{base}/iiif/{sha1}/search?{urlencode({'q': 'ZANZÍBAR'})}")["partOf"]["total"]
            == 1
        )
        # not in the other manifest
        other = facts["sha1"][1]
        write_derived_manifest(run_dir, 1, 3, f"{base}/iiif/")
        assert get_json(f"{base}/iiif/{other}/search?q=zanzibar")["items"] == []
        # the collection-wide search names the manifest of the canvas
        everywhere = get_json(f"{base}/search?q=zanzibar")
        (item,) = everywhere["items"]
        assert item["target"]["source"]["id"] == canvas_id(0, 1)
        assert item["target"]["source"]["partOf"][0]["id"] == f"{base}/iiif/{sha1}/manifest.json"
        assert item["target"]["selector"]["value"] == f"xywh={x},{y},{w},{h}"


def test_word_boxes_where_the_record_has_them(run) -> None:
    run_dir, facts = run
    with view_server(run_dir) as base:
        write_derived_manifest(run_dir, 1, 3, f"{base}/iiif/")
        found = get_json(f"{base}/iiif/{facts['sha1'][1]}/search?q=row")
        item = found["items"][0]
        canvas, box = _xywh(item["target"])
        assert canvas == canvas_id(1, 0)
        # "common word row 0": "row" starts at character 12 -> x 100 + 120 px, 30 px wide
        assert box == [2 * 220, 2 * 50, 2 * 30, 2 * 30]
        assert item["body"]["value"] == "row"


def test_paging_through_many_hits(run) -> None:
    run_dir, facts = run
    sha1 = facts["sha1"][1]
    with view_server(run_dir) as base:
        write_derived_manifest(run_dir, 1, 3, f"{base}/iiif/")
        url = f"{base}/iiif/{sha1}/search?{urlencode({'q': 'common'})}"
        first = get_json(url)
        assert first["partOf"]["total"] == 90  # 3 pages x 30 lines
        seen, pages, page = [], 0, first
        while True:
            pages += 1
            assert page["startIndex"] == len(seen)
            seen += [item["target"] for item in page["items"]]
            if "next" not in page:
                break
            page = get_json(page["next"]["id"])
        assert pages == 2 and len(seen) == 90 == len(set(seen))
        assert page["id"] == first["partOf"]["last"]["id"] and "prev" in page
        assert [_xywh(t)[0] for t in seen[:30]] == [canvas_id(1, 0)] * 30  # in page order


@pytest.mark.parametrize(
    "q",
    [
        '"',
        "*",
        "NEAR(common word)",
        "common OR nothing",
        "'; DROP TABLE lines; --",
        "text:foo",
        "(",
        "-x",
        "common AND",
        "^common",
        "\\",
        "%",
        'a"b',
        "col:*",
    ],
)
def test_fts_and_sql_syntax_in_q_is_text(run, q: str) -> None:
    run_dir, facts = run
    with view_server(run_dir) as base:
        status, body = get(f"{base}/search?{urlencode({'q': q})}")
        assert status == 200, body[:300]
        assert json.loads(body)["type"] == "AnnotationPage"
        assert get_json(f"{base}/search?q=common")["partOf"]["total"] == 90  # index intact


def test_quotes_and_operators_are_found_as_words(run) -> None:
    run_dir, _ = run
    with view_server(run_dir) as base:
        for q in ["O'Brien", '"quoted"', "NEAR", "text:foo", "(NEAR)"]:
            found = get_json(f"{base}/search?{urlencode({'q': q})}")
            assert found["partOf"]["total"] == 1, q
            assert found["items"][0]["body"]["value"].startswith("O'Brien"), q
        assert get_json(f"{base}/search?q=common+OR+nothing")["partOf"]["total"] == 0


def test_reindex_after_a_jsonl_changes(run) -> None:
    run_dir, facts = run
    path = run_dir / "ocr" / f"{facts['sha1'][0]}.jsonl"
    with view_server(run_dir) as base:
        assert get_json(f"{base}/search?q=zanzibar")["partOf"]["total"] == 1
        assert get_json(f"{base}/search?q=timbuktu")["partOf"]["total"] == 0
        changed = path.read_text().replace("zanzibar", "timbuktu")
        rewrite_records(path, [json.loads(x) for x in changed.splitlines()])
        assert get_json(f"{base}/search?q=zanzibar")["partOf"]["total"] == 0
        assert get_json(f"{base}/search?q=timbuktu")["partOf"]["total"] == 1
        # the other manifest was not indexed again, and nothing is counted twice
        assert get_json(f"{base}/search?q=common")["partOf"]["total"] == 90
        path.unlink()
        assert get_json(f"{base}/search?q=timbuktu")["partOf"]["total"] == 0


class _Cells(HTMLParser):
    """Text of elements by id, and the rows of the manifest table."""

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, str] = {}
        self.rows: list[list[str]] = []
        self._id: str | None = None
        self._in_manifests = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        ident = dict(attrs).get("id")
        if ident:
            self._id = ident
            self.by_id[ident] = ""
        if ident == "manifests":
            self._in_manifests = True
        if self._in_manifests and tag == "tr" and ident and ident.startswith("m-"):
            self.rows.append([])
        if self._in_manifests and tag == "td" and self.rows:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None
        if tag == "table":
            self._in_manifests = False
        if tag in ("td", "p", "span"):
            self._id = None

    def handle_data(self, data: str) -> None:
        if self._id:
            self.by_id[self._id] += data
        if self._cell is not None:
            self._cell.append(data)


def test_report_numbers_equal_make_summary(run) -> None:
    run_dir, facts = run
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run(
        [sys.executable, "-m", "barnacle", "summarize", str(run_dir), "--no-chart"],
        check=True,
        capture_output=True,
        env=env,
    )
    summary = json.loads((run_dir / "summary.json").read_text())
    with view_server(run_dir) as base:
        status, body = get(f"{base}/")
        assert status == 200
        cells = _Cells()
        cells.feed(body.decode())
        for state in ("total", "complete", "running", "partial", "failed", "not_started"):
            assert int(cells.by_id[f"count-{state}"]) == summary["manifests"][state], state
        assert int(cells.by_id["pages-done"]) == summary["pages"]["done"] == 8
        assert int(cells.by_id["pages-empty"]) == summary["pages"]["empty_text"] == 1
        assert int(cells.by_id["pages-errors"]) == summary["pages"]["errors"] == 1
        assert float(cells.by_id["rate"]) == summary["rates"]["pages_per_hour"]
        assert len(cells.rows) == 4
        book0, book1, book2, book3 = cells.rows
        assert book0[1] == "Book 0" and book0[3] == "4 / 4" and book0[6] == "1"
        assert float(book0[5]) == pytest.approx((6 * 0.9 + 6 * 0.9 + 0.2) / 13, abs=1e-3)
        assert book2[2] == "partial" and book2[3] == "1 / 2" and book2[4] == "1"
        assert book3[2] == "not started" and book3[3] == "0 / ?"
        failed = body.decode().split("<table id=failed>")[1].split("</table>")[0]
        assert "Book 2" in failed and "image gone (404)" in failed
        # sortable without JavaScript: lowest confidence first, unknown last
        status, body = get(f"{base}/?sort=conf&order=asc")
        order = re.findall(r"<tr id='m-([0-9a-f]{40})'", body.decode())
        assert order == [facts["sha1"][i] for i in (1, 0, 2, 3)]
        status, chart = get(f"{base}/progress.png")
        assert status == 200 and chart.startswith(b"\x89PNG")


def test_worst_pages_link_into_the_viewer_at_the_canvas(run) -> None:
    run_dir, facts = run
    with view_server(run_dir) as base:
        status, body = get(f"{base}/worst")
        html = body.decode()
        worst = html.split("<table id=worst>")[1].split("</table>")[0]
        first_link = re.search(r"href='([^']+)'", worst).group(1)
        assert first_link == (f"/view/{facts['sha1'][0]}?canvas={quote(canvas_id(0, 3), safe='')}")
        assert "0.200" in worst.split("</tr>")[1]
        empty = html.split("<table id=no-lines>")[1]
        assert quote(canvas_id(0, 2), safe="") in empty
        assert "Pages with no lines (1)" in html


def test_find_page_lists_hits_with_viewer_links(run) -> None:
    run_dir, facts = run
    with view_server(run_dir) as base:
        status, body = get(f"{base}/find?q=zanzibar")
        assert status == 200
        assert f"/view/{facts['sha1'][0]}?canvas=" in body.decode()
        assert "1 lines" in body.decode()


def test_derived_iiif_exported_on_demand_with_ids_on_this_server(run, tmp_path: Path) -> None:
    from barnacle.export import DEFAULT_PUBLISH_URL, export_run

    run_dir, facts = run
    sha1 = facts["sha1"][0]
    cache = tmp_path / "cache"
    write_source_manifest(cache, 0, 4, "http://images.invalid")
    on_disk = run_dir / "iiif" / sha1 / "manifest.json"
    with view_server(run_dir, cache) as base:
        manifest = get_json(f"{base}/iiif/{sha1}/manifest.json")  # exported on demand
        assert on_disk.is_file()
        assert manifest["id"] == f"{base}/iiif/{sha1}/manifest.json"
        assert {"id": f"{base}/iiif/{sha1}/search", "type": "SearchService2"} in manifest["service"]
        canvas = manifest["items"][1]
        (page_ref,) = canvas["annotations"]
        annotations = get_json(page_ref["id"])  # the id resolves on this server
        assert annotations["id"] == page_ref["id"]
        texts = [a["body"]["value"] for a in annotations["items"]]
        zanzibar = annotations["items"][texts.index("the ship sailed to zanzibar at dawn")]
        # the search box of a line is the box of its derived annotation
        hit = get_json(f"{base}/iiif/{sha1}/search?q=dawn")["items"][0]
        assert hit["target"] == zanzibar["target"] == f"{canvas['id']}#xywh=200,420,700,60"
        for link in canvas.get("rendering", []) + manifest.get("rendering", []):
            assert link["id"].startswith(f"{base}/"), link
            status, _ = get(link["id"])
            assert status == 200, link
    # exported elsewhere (make export's default PUBLISH_URL): the ids move to this server,
    # the file on disk stays as published
    export_run(run_dir, ["iiif"], DEFAULT_PUBLISH_URL, force=True, cache_dir=cache)
    with view_server(run_dir, cache) as base:
        manifest = get_json(f"{base}/iiif/{sha1}/manifest.json")
        assert manifest["id"] == f"{base}/iiif/{sha1}/manifest.json"
        assert DEFAULT_PUBLISH_URL not in json.dumps(manifest)
        assert json.loads(on_disk.read_text())["id"].startswith(DEFAULT_PUBLISH_URL)
        # a JSONL newer than its export is exported again on the next request
        jsonl = run_dir / "ocr" / f"{sha1}.jsonl"
        changed = jsonl.read_text().replace("zanzibar", "timbuktu")
        rewrite_records(jsonl, [json.loads(x) for x in changed.splitlines()])
        page = get_json(manifest["items"][1]["annotations"][0]["id"])
        assert "the ship sailed to timbuktu at dawn" in [a["body"]["value"] for a in page["items"]]
        # a manifest without a cached source: one clear error, not a crash
        status, body = get(f"{base}/iiif/{facts['sha1'][1]}/manifest.json")
        assert status == 500 and b"not in the cache" in body


def test_a_fault_while_serving_is_a_500_with_one_line(run, capsys) -> None:
    run_dir, _ = run
    with view_server(run_dir) as base:
        (run_dir / "manifests.tsv").unlink()
        time.sleep(0.01)
        status, body = get(f"{base}/")
        assert status == 500 and b"manifests.tsv" in body
        assert get(f"{base}/search?q=common")[0] == 500
    err = capsys.readouterr().err
    assert "Traceback" not in err and "manifests.tsv" in err


def test_unfinished_or_unknown_manifest_is_not_found(run) -> None:
    run_dir, facts = run
    with view_server(run_dir) as base:
        paths = [
            f"/iiif/{facts['sha1'][2]}/manifest.json",
            f"/view/{facts['sha1'][3]}",
            f"/iiif/{'0' * 40}/search?q=x",
            "/iiif/../../etc/passwd",
            "/nothing",
        ]
        for path in paths:
            status, _ = get(base + path)
            assert status == 404, path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _view_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "barnacle", "view", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _one_clear_line(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_bad_input_one_line_no_traceback(run, tmp_path: Path) -> None:
    run_dir, facts = run
    _one_clear_line(_view_cli(str(tmp_path / "nope")), "no such run folder")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        _one_clear_line(_view_cli(str(run_dir), f"--port={port}"), "in use", str(port))
    path = run_dir / "ocr" / f"{facts['sha1'][1]}.jsonl"
    with path.open("a") as handle:
        handle.write('{"canvas_index": 3, "text": "torn')
    done = _view_cli(str(run_dir), f"--port={_free_port()}")
    _one_clear_line(done, path.name, ":4:", "torn")


def _start(command: list[str]) -> subprocess.Popen[str]:
    """A view server started by `command` in the repository, output captured."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    pipe = subprocess.PIPE
    return subprocess.Popen(command, cwd=REPO, stdout=pipe, stderr=pipe, text=True, env=env)


def _first_search(process: subprocess.Popen[str], port: int) -> int:
    """The status of the first search the view started by `process` answers (it is polled
    until it listens; a view that exits or never listens fails the test)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            status, _ = get(f"http://127.0.0.1:{port}/search?q=common")
            return status
        except OSError:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the view did not start"
            time.sleep(0.2)


def test_make_view_serves_until_interrupted(run) -> None:
    run_dir, _ = run
    port = _free_port()
    process = _start(
        [
            "make",
            "--no-print-directory",
            "-o",
            ".venv/.barnacle-installed",
            "view",
            f"RUNS_DIR={run_dir.parent}",
            f"RUN={run_dir.name}",
            f"VIEW_PORT={port}",
        ]
    )
    try:
        assert _first_search(process, port) == 200
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_sigterm_stops_the_view_cleanly(run) -> None:
    """SIGTERM (kill, make stopping a job) ends `barnacle view` as Ctrl-C does: exit 0, the
    port free again (barnacle.serving.serve_until_stopped)."""
    run_dir, _ = run
    port = _free_port()
    process = _start([sys.executable, "-m", "barnacle", "view", str(run_dir), f"--port={port}"])
    try:
        assert _first_search(process, port) == 200
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as HTTP servers bind
        sock.bind(("127.0.0.1", port))  # nothing listens there any more
