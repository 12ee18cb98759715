"""`make view` against a real server on 127.0.0.1: the report's numbers against `make
summary`'s, the worst pages, the find page, the derived IIIF with ids on this server, faults
and unknown manifests. Search: test_view_search.py; the command: test_view_cli.py."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest

from support.paths import REPO
from support.view_runs import (
    canvas_id,
    get,
    get_json,
    rewrite_records,
    view_server,
    write_source_manifest,
)

pytest_plugins = ["support.view_fixtures"]  # the fixture `view_run`


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


def test_report_numbers_equal_make_summary(view_run) -> None:
    run_dir, facts = view_run
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


def test_worst_pages_link_into_the_viewer_at_the_canvas(view_run) -> None:
    run_dir, facts = view_run
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


def test_find_page_lists_hits_with_viewer_links(view_run) -> None:
    run_dir, facts = view_run
    with view_server(run_dir) as base:
        status, body = get(f"{base}/find?q=zanzibar")
        assert status == 200
        assert f"/view/{facts['sha1'][0]}?canvas=" in body.decode()
        assert "1 lines" in body.decode()


def test_derived_iiif_exported_on_demand_with_ids_on_this_server(view_run, tmp_path: Path) -> None:
    from barnacle.export import DEFAULT_PUBLISH_URL, export_run

    run_dir, facts = view_run
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


def test_a_fault_while_serving_is_a_500_with_one_line(view_run, capsys) -> None:
    run_dir, _ = view_run
    with view_server(run_dir) as base:
        (run_dir / "manifests.tsv").unlink()
        time.sleep(0.01)
        status, body = get(f"{base}/")
        assert status == 500 and b"manifests.tsv" in body
        assert get(f"{base}/search?q=common")[0] == 500
    err = capsys.readouterr().err
    assert "Traceback" not in err and "manifests.tsv" in err


def test_unfinished_or_unknown_manifest_is_not_found(view_run) -> None:
    run_dir, facts = view_run
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
