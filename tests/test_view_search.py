"""`make view`'s IIIF Content Search 2.0 against a real server on 127.0.0.1: boxes in canvas
coordinates, word boxes, paging, FTS and SQL syntax as text, re-indexing."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from support.view_runs import (
    CANVAS_W,
    IMAGE_W,
    canvas_id,
    get,
    get_json,
    rewrite_records,
    view_server,
    write_derived_manifest,
)

pytest_plugins = ["support.view_fixtures"]  # the fixture `view_run`


def _xywh(target: str) -> tuple[str, list[int]]:
    canvas, _, fragment = target.partition("#xywh=")
    return canvas, [int(v) for v in fragment.split(",")]


def test_search_finds_a_word_on_the_right_canvas_in_canvas_coordinates(view_run) -> None:
    run_dir, facts = view_run
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


def test_word_boxes_where_the_record_has_them(view_run) -> None:
    run_dir, facts = view_run
    with view_server(run_dir) as base:
        write_derived_manifest(run_dir, 1, 3, f"{base}/iiif/")
        found = get_json(f"{base}/iiif/{facts['sha1'][1]}/search?q=row")
        item = found["items"][0]
        canvas, box = _xywh(item["target"])
        assert canvas == canvas_id(1, 0)
        # "common word row 0": "row" starts at character 12 -> x 100 + 120 px, 30 px wide
        assert box == [2 * 220, 2 * 50, 2 * 30, 2 * 30]
        assert item["body"]["value"] == "row"


def test_paging_through_many_hits(view_run) -> None:
    run_dir, facts = view_run
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
def test_fts_and_sql_syntax_in_q_is_text(view_run, q: str) -> None:
    run_dir, facts = view_run
    with view_server(run_dir) as base:
        status, body = get(f"{base}/search?{urlencode({'q': q})}")
        assert status == 200, body[:300]
        assert json.loads(body)["type"] == "AnnotationPage"
        assert get_json(f"{base}/search?q=common")["partOf"]["total"] == 90  # index intact


def test_quotes_and_operators_are_found_as_words(view_run) -> None:
    run_dir, _ = view_run
    with view_server(run_dir) as base:
        for q in ["O'Brien", '"quoted"', "NEAR", "text:foo", "(NEAR)"]:
            found = get_json(f"{base}/search?{urlencode({'q': q})}")
            assert found["partOf"]["total"] == 1, q
            assert found["items"][0]["body"]["value"].startswith("O'Brien"), q
        assert get_json(f"{base}/search?q=common+OR+nothing")["partOf"]["total"] == 0


def test_reindex_after_a_jsonl_changes(view_run) -> None:
    run_dir, facts = view_run
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
