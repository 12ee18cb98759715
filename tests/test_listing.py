"""Stages 1 and 2 (fetch-collection, list-manifests) on real HTTP and the real Lapidus lists."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from barnacle.listing import SourceError, build_table, fetch_snapshot, manifest_sha1, read_table
from barnacle.listing.walk import walk_collection

from support import iiif_docs as docs
from support.paths import LAPIDUS, REPO
from support.scripted_server import Response, ScriptedServer


def _serve_tree(server: ScriptedServer) -> None:
    server.route("/top.json", docs.v2_collection("top", ["m1", "m2"], ["nested"]))
    server.route(
        "/nested.json", docs.v3_collection("nested", [("Manifest", "m3"), ("Collection", "deep")])
    )
    server.route("/deep.json", docs.v2_collection("deep", ["m4", "m1"]))


def test_nested_collections_any_depth_document_order(server: ScriptedServer) -> None:
    _serve_tree(server)
    snapshot = fetch_snapshot(server.url("/top.json"), progress=False)
    urls = [e.manifest_url.removeprefix(server.base) for e in snapshot.entries]
    assert urls == ["/m1.json", "/m2.json", "/m3.json", "/m4.json", "/m1.json"]
    assert snapshot.collections_visited == 3 and snapshot.source_kind == "collection"
    table = build_table(snapshot, Path("runs/x"))
    assert len(table.rows) == 4 and table.duplicates == 1


def test_v2_paged_collection_first_next(server: ScriptedServer) -> None:
    top = docs.v2_collection("paged", [])
    top.update({"first": "{base}/page1.json", "total": 3})
    page1 = docs.v2_collection("page1", ["a", "b"])
    page1["next"] = "{base}/page2.json"
    page2 = docs.v2_collection("page2", ["c"])
    server.route("/paged.json", top)
    server.route("/page1.json", page1)
    server.route("/page2.json", page2)
    snapshot = fetch_snapshot(server.url("/paged.json"), progress=False)
    assert [e.manifest_url.rsplit("/", 1)[1] for e in snapshot.entries] == [
        "a.json",
        "b.json",
        "c.json",
    ]


def test_endless_paging_stops_at_the_limit_with_a_warning() -> None:
    """A server whose `next` links never end, each to a new URL: no cycle, but a bound."""
    base = "http://127.0.0.1:9"

    def endless_page(url: str) -> dict:
        n = int(url.rsplit("/p", 1)[1].removesuffix(".json"))
        page = docs.v2_collection(f"p{n}", [f"m{n}"])
        page["next"] = f"{base}/p{n + 1}.json"
        return json.loads(json.dumps(page).replace("{base}", base))

    top = endless_page(f"{base}/p0.json")
    entries, visited, warnings = walk_collection(
        f"{base}/p0.json", top, endless_page, progress=False, max_collections=50
    )
    assert visited == 50 and len(entries) == 50
    assert any("looks endless" in w and "limit 50" in w for w in warnings)


def test_cycle_is_detected_not_followed(server: ScriptedServer) -> None:
    server.route("/a.json", docs.v2_collection("a", ["m1"], ["b"]))
    server.route("/b.json", docs.v2_collection("b", ["m2"], ["a"]))
    snapshot = fetch_snapshot(server.url("/a.json"), progress=False)
    assert len(snapshot.entries) == 2
    assert any("cycle" in w for w in snapshot.warnings)
    assert server.hits("/a.json") == 1 and server.hits("/b.json") == 1


def test_broken_sub_collection_is_a_warning(server: ScriptedServer) -> None:
    server.route("/top.json", docs.v2_collection("top", ["m1"], ["gone", "html"]))
    server.route("/html.json", Response(200, "<html>oops</html>"))
    snapshot = fetch_snapshot(server.url("/top.json"), progress=False)
    assert len(snapshot.entries) == 1
    assert len(snapshot.warnings) == 2 and any("HTTP 404" in w for w in snapshot.warnings)


def test_single_manifest_url_and_local_json(server: ScriptedServer, tmp_path: Path) -> None:
    server.route("/m.json", docs.v3_manifest("m", [docs.v3_canvas("a")]))
    snapshot = fetch_snapshot(server.url("/m.json"), progress=False)
    assert snapshot.source_kind == "manifest"
    assert [e.manifest_url for e in snapshot.entries] == [server.url("/m.json")]
    local = tmp_path / "coll.json"
    local.write_text(
        json.dumps(docs.v3_collection("c", [("Manifest", "x")])).replace("{base}", "http://h")
    )
    snapshot = fetch_snapshot(str(local), progress=False)
    assert (
        snapshot.source_kind == "json-file"
        and snapshot.entries[0].manifest_url == "http://h/x.json"
    )


def test_txt_list_comments_blanks_invalid_and_duplicates(tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text(
        "# my list\n\nhttp://h/a\nhttp://h/b\n  http://h/a  \nfile:///etc/passwd\nftp://x/y\n"
        "http://127.0.0.1:22/\nnot a url\n"
    )
    snapshot = fetch_snapshot(str(listing))
    table = build_table(snapshot, tmp_path)
    assert [row["manifest_url"] for row in table.rows] == [
        "http://h/a",
        "http://h/b",
        "http://127.0.0.1:22/",
    ]
    assert table.duplicates == 1
    assert [p.split(":")[0] for p in table.invalid] == ["line 6", "line 7", "line 9"]


def test_csv_keeps_metadata_and_requires_manifest_url(tmp_path: Path) -> None:
    good = tmp_path / "in.csv"
    good.write_text(
        "source_metadata_id,ark,manifest_url\n991,ark:/1/a,http://h/a\n992,ark:/1/b,http://h/b\n"
    )
    table = build_table(fetch_snapshot(str(good)), tmp_path / "run")
    assert table.columns[-2:] == ["source_metadata_id", "ark"]
    assert table.rows[1]["ark"] == "ark:/1/b" and table.rows[1]["index"] == "2"
    assert table.rows[0]["output"] == str(
        tmp_path / "run" / "ocr" / f"{manifest_sha1('http://h/a')}.jsonl"
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("url,ark\nhttp://h/a,x\n")
    with pytest.raises(SourceError, match="no 'manifest_url' column"):
        fetch_snapshot(str(bad))


def test_missing_source_names_the_fix() -> None:
    with pytest.raises(SourceError, match="no such file; give an IIIF collection"):
        fetch_snapshot("nowhere.txt")
    with pytest.raises(SourceError, match="only http"):
        fetch_snapshot("ftp://example.org/collection.json")


def _run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=120
    )


def test_scripts_on_lapidus_csv(tmp_path: Path) -> None:
    snapshot = tmp_path / "lapidus" / "collection.json"
    source = LAPIDUS / "lapidus_lar.csv"
    done = _run_script("scripts/fetch-collection", str(source), str(snapshot))
    assert done.returncode == 0, done.stderr
    done = _run_script("scripts/list-manifests", str(snapshot))
    assert done.returncode == 0, done.stderr
    rows = read_table(tmp_path / "lapidus" / "manifests.tsv")
    with source.open() as handle:
        expected = list(csv.DictReader(handle))
    assert len(rows) == len({r["manifest_url"] for r in expected})
    first = rows[0]
    assert first["manifest_url"] == expected[0]["manifest_url"]
    assert (first["source_metadata_id"], first["ark"]) == (
        expected[0]["source_metadata_id"],
        expected[0]["ark"],
    )
    assert first["sha1"] == manifest_sha1(first["manifest_url"])
    assert first["output"].endswith(f"lapidus/ocr/{first['sha1']}.jsonl")


def test_scripts_on_lapidus_txt(tmp_path: Path) -> None:
    source = LAPIDUS / "manifests.txt"
    snapshot = tmp_path / "collection.json"
    assert _run_script("scripts/fetch-collection", str(source), str(snapshot)).returncode == 0
    done = _run_script("scripts/list-manifests", str(snapshot))
    lines = [x.strip() for x in source.read_text().splitlines() if x.strip()]
    rows = read_table(tmp_path / "manifests.tsv")
    assert len(rows) == len(set(lines)) == 2853
    assert f"{len(rows)} manifests" in done.stdout
    assert [r["index"] for r in rows[:3]] == ["1", "2", "3"]


def test_bad_command_lines_fail_fast_with_a_fix() -> None:
    done = _run_script("scripts/fetch-collection", "nowhere.csv", "/tmp/x.json")
    assert done.returncode == 1 and "no such file" in done.stderr and "Traceback" not in done.stderr
    done = _run_script("scripts/list-manifests", "nowhere.json")
    assert done.returncode == 2 and "run scripts/fetch-collection first" in done.stderr


def test_collection_nested_fifty_deep(server: ScriptedServer) -> None:
    for depth in range(50):
        children = [f"d{depth + 1}"] if depth < 49 else []
        server.route(f"/d{depth}.json", docs.v2_collection(f"d{depth}", [f"m{depth}"], children))
    snapshot = fetch_snapshot(server.url("/d0.json"), progress=False)
    assert len(snapshot.entries) == 50 and snapshot.collections_visited == 50


def test_manifest_with_100000_canvases_plans_quickly() -> None:

    from barnacle.iiif import ImageRequest, manifest_from_json
    from barnacle.worker.page_plan import plan_pages

    canvas = docs.v3_canvas("x")
    doc = docs.v3_manifest("big", [dict(canvas, id=f"{{base}}/c/{i}") for i in range(100_000)])
    pages = manifest_from_json(doc).pages()
    plan = plan_pages("http://h/big.json", pages, "0" * 64, ImageRequest())
    assert len(plan) == 100_000 and len({p.page_key for p in plan}) == 100_000


def test_members_listed_twice_count_once_and_only_manifests_are_listed(tmp_path: Path) -> None:
    """A v2 collection naming members under `manifests`/`collections` and again under
    `members`; Canvases and Ranges among the members of v2 and v3 collections."""
    from support.strict_iiif import strict_server

    with strict_server() as strict:
        snapshot = fetch_snapshot(strict.manifest_url("collection-v2-members.json"), progress=False)
        urls = [e.manifest_url.removeprefix(strict.base) for e in snapshot.entries]
        # Each member once: the sub-collection's manifest (listed twice there) after the
        # top collection's own manifests, as the walk goes.
        assert urls == [
            "/manifests/image-api-1.json",
            "/manifests/mixed-book.json",
            "/manifests/image-api-3-levels.json",
        ]
        assert not any("cycle" in warning for warning in snapshot.warnings)
        skipped = [w for w in snapshot.warnings if "not a Manifest or Collection" in w]
        assert len(skipped) == 4  # sc:Canvas, sc:Range, Canvas, Range
        assert strict.paths("/manifests/collection-v3-typed.json") == [
            "/manifests/collection-v3-typed.json"
        ]


def _activity(kind: str, name: str, type_: str = "Manifest") -> dict:
    return {"type": kind, "object": {"id": f"{{base}}/{name}.json", "type": type_}}


def _discovery_page(name: str, activities: list[dict], next_page: str | None) -> dict:
    page = {
        "@context": "http://iiif.io/api/discovery/1/context.json",
        "id": f"{{base}}/{name}.json",
        "type": "OrderedCollectionPage",
        "partOf": {"id": "{base}/activity.json", "type": "OrderedCollection"},
        "orderedItems": activities,
    }
    if next_page:
        page["next"] = {"id": f"{{base}}/{next_page}.json", "type": "OrderedCollectionPage"}
    return page


def test_v3_members_key_and_change_discovery_pages(server: ScriptedServer) -> None:
    """A v3 collection naming its children under `members`, and a IIIF Change Discovery
    stream (OrderedCollection -> first -> next pages of activities): every manifest that
    is still there is listed once per activity page, deleted ones are not, and a `next`
    link that leads back (here: a page naming itself) ends the walk with a message."""
    top = docs.v3_collection("top", [("Manifest", "m0")])
    top["members"] = [
        {"id": "{base}/m1.json", "type": "Manifest", "label": {"en": ["one"]}},
        {"id": "{base}/activity.json", "type": "OrderedCollection"},
        {"id": "{base}/backwards.json", "type": "OrderedCollection"},
    ]
    server.route("/top.json", top)
    backwards = {"id": "{base}/backwards.json", "type": "OrderedCollection", "last": "{base}/z"}
    server.route("/backwards.json", backwards)
    stream = {
        "@context": "http://iiif.io/api/discovery/1/context.json",
        "id": "{base}/activity.json",
        "type": "OrderedCollection",
        "totalItems": 6,
        "first": {"id": "{base}/page0.json", "type": "OrderedCollectionPage"},
        "last": {"id": "{base}/page1.json", "type": "OrderedCollectionPage"},
    }
    server.route("/activity.json", stream)
    server.route(
        "/page0.json",
        _discovery_page(
            "page0",
            [_activity("Create", "a"), _activity("Create", "b"), _activity("Update", "a")],
            "page1",
        ),
    )
    server.route(
        "/page1.json",
        _discovery_page(
            "page1",
            [
                _activity("Delete", "b"),
                _activity("Update", "c"),
                _activity("Update", "x", "Canvas"),
            ],
            "page1",  # a loop of next links
        ),
    )
    snapshot = fetch_snapshot(server.url("/top.json"), progress=False)
    names = [e.manifest_url.rsplit("/", 1)[1] for e in snapshot.entries]
    assert names == ["m0.json", "m1.json", "a.json", "c.json"]
    assert any("cycle" in w and "page1.json as its next page" in w for w in snapshot.warnings)
    assert any("x.json (Canvas)" in w for w in snapshot.warnings)
    assert all(server.hits(f"/page{n}.json") == 1 for n in (0, 1))
    assert any("only from `last`" in w for w in snapshot.warnings) and not server.hits("/z")


def test_collection_in_a_legacy_8bit_encoding_is_read_with_a_warning(
    server: ScriptedServer, tmp_path: Path
) -> None:
    """A collection served as windows-1252 bytes (not valid UTF-8): decoded, with a warning
    that names it, by fetch-collection and validate; a local file alike."""
    doc = docs.v2_collection("legacy", ["m1", "m2"])
    doc["label"] = "Bibliothèque – “Recueils” de la Société"
    body = json.dumps(doc, ensure_ascii=False).replace("{base}", server.base).encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    server.route("/legacy.json", Response(200, body, {"Content-Type": "application/json"}))
    snapshot = fetch_snapshot(server.url("/legacy.json"), progress=False)
    assert snapshot.label == doc["label"] and len(snapshot.entries) == 2
    assert [w for w in snapshot.warnings if "decoded as windows-1252" in w] == [
        w for w in snapshot.warnings if w.startswith(server.url("/legacy.json"))
    ]
    assert len(snapshot.warnings) == 1
    local = tmp_path / "legacy.json"
    local.write_bytes(body)
    assert "decoded as windows-1252" in fetch_snapshot(str(local)).warnings[0]
    done = subprocess.run(
        [sys.executable, "-m", "barnacle", "validate", server.url("/legacy.json"), "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["label"] == doc["label"] and report["members"] == 2
    assert any("decoded as windows-1252" in note for note in report["notes"])
