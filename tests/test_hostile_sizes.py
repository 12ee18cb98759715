"""Hostile input beyond reason in size or depth: a manifest of 100,000 canvases, collections 50
deep or looping, JSON nested beyond reason, a decompression bomb, labels of 5 MB. None may hang
or exhaust memory; each gives a clear error in a line, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from barnacle.images import ImageCache
from barnacle.listing import fetch_snapshot, read_table
from barnacle.run_folder import errors_of
from barnacle.worker import process_manifest

from support import iiif_docs as docs
from support.fast_pages import serve_fast_book
from support.hang_guard import no_hang
from support.hostile_documents import (
    BOMB_PATH,
    BOMB_SIDE,
    PLAN_PROBE,
    bomb_png,
    serve_bomb_book,
    serve_huge_manifest,
)
from support.hostile_runs import barnacle, jsonl_records, run_clean, script
from support.scripted_server import Response, ScriptedServer
from support.worker_options import quiet_options

FIVE_MB = 5 * 1024 * 1024


@pytest.mark.slow
def test_manifest_of_100000_canvases_plans_in_bounded_memory(
    server: ScriptedServer, tmp_path: Path
) -> None:
    """Planned and OCRed to --max-pages 2 in a child process (its timeout catches a hang;
    bench/bench_hostile_input.py prints the time), and listed by fetch-collection."""
    document = serve_huge_manifest(server, 100_000)
    assert len(document) > 40_000_000
    out = tmp_path / "big.jsonl"
    probe = subprocess.run(
        [sys.executable, "-c", PLAN_PROBE, server.url("/big.json"), str(out), str(tmp_path / "c")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    figures = json.loads(probe.stdout)
    assert (figures["exit"], figures["total"], len(jsonl_records(out))) == (0, 2, 2)
    # The document is parsed once (about 6x its size as Python objects), never per page.
    assert figures["grown_mb"] < 8 * len(document) / 2**20

    snapshot = tmp_path / "s.json"
    listed = run_clean(script("fetch-collection", server.url("/big.json"), str(snapshot)), tmp_path)
    assert listed.returncode == 0 and "1 manifest references from manifest" in listed.stdout


def _chain(server: ScriptedServer, depth: int) -> None:
    """Collections d0 -> d1 -> ... -> d<depth-1>, each listing one manifest."""
    for level in range(depth):
        below = [f"d{level + 1}"] if level + 1 < depth else []
        server.route(f"/d{level}.json", docs.v2_collection(f"d{level}", [f"m{level}"], below))


def _embedded(depth: int) -> dict:
    """One document: a v3 collection with its sub-collections inline, `depth` levels."""
    inner: list[dict] = []
    for level in reversed(range(depth)):
        items = [{"id": f"{{base}}/e{level}.json", "type": "Manifest", "label": "m"}, *inner]
        inner = [{"id": f"{{base}}/ec{level}", "type": "Collection", "items": items}]
    top = docs.v3_collection("embedded", [])
    top["items"] = inner
    return top


def test_collections_50_deep_and_looping(server: ScriptedServer, tmp_path: Path) -> None:
    _chain(server, 50)
    deep = fetch_snapshot(server.url("/d0.json"), progress=False)
    assert (len(deep.entries), deep.collections_visited, deep.warnings) == (50, 50, [])
    server.route("/embedded.json", _embedded(50))
    inline = fetch_snapshot(server.url("/embedded.json"), progress=False)
    assert len(inline.entries) == 50 and inline.warnings == []

    server.route("/a.json", docs.v2_collection("a", ["ma"], ["b"]))
    server.route("/b.json", docs.v2_collection("b", ["mb"], ["c"]))
    server.route("/c.json", docs.v2_collection("c", ["mc"], ["a", "c"]))
    paged = docs.v2_collection("p", [])
    paged["first"] = "{base}/p1.json"
    page1 = docs.v2_collection("p1", ["x"])
    page1["next"] = "{base}/p2.json"
    page2 = docs.v2_collection("p2", ["y"])
    page2["next"] = "{base}/p1.json"  # pages that lead back
    server.route("/p.json", paged)
    server.route("/p1.json", page1)
    server.route("/p2.json", page2)
    for root, entries in (("/a.json", 3), ("/p.json", 2)):
        snapshot = fetch_snapshot(server.url(root), progress=False)
        assert len(snapshot.entries) == entries
        assert snapshot.warnings and all("cycle" in w for w in snapshot.warnings)
    assert all(server.hits(f"/{name}.json") == 1 for name in ("a", "b", "c", "p1", "p2"))

    looped = run_clean(
        script("fetch-collection", server.url("/a.json"), str(tmp_path / "s.json")), tmp_path
    )
    assert looped.returncode == 0 and "3 manifest references" in looped.stdout
    assert len([line for line in looped.stderr.splitlines() if "warning: cycle" in line]) == 2


def test_json_nested_beyond_reason(server: ScriptedServer, tmp_path: Path) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    server.route("/deep.json", Response(200, deep, {"Content-Type": "application/json"}))
    (tmp_path / "deep.json").write_bytes(deep)
    for source in (server.url("/deep.json"), str(tmp_path / "deep.json")):
        done = run_clean(script("fetch-collection", source, str(tmp_path / "s.json")), tmp_path)
        assert done.returncode == 1 and len(done.stderr.splitlines()) == 1, done.stderr
        assert "nested too deeply" in done.stderr or "recursion" in done.stderr
    listed = run_clean(script("list-manifests", str(tmp_path / "deep.json")), tmp_path)
    assert listed.returncode == 2 and "not a fetch-collection snapshot" in listed.stderr
    assert len(listed.stderr.splitlines()) == 1
    result = process_manifest(
        server.url("/deep.json"), tmp_path / "d.jsonl", quiet_options(tmp_path)
    )
    assert result.exit_code == 4 and "nested too deeply" in result.message


def test_decompression_bomb_is_refused_by_the_pixel_limit(
    server: ScriptedServer, tmp_path: Path
) -> None:
    """A 20000 x 20000 PNG of 50 KB, served for a page whose info.json admits that size."""
    url = serve_bomb_book(server)
    bomb_url = server.url(BOMB_PATH)
    assert len(bomb_png()) < 200_000
    out = tmp_path / "bomb.jsonl"
    with no_hang(300, "the worker on a decompression bomb"):
        result = process_manifest(url, out, quiet_options(tmp_path))
    assert (result.status, result.pages_done, result.pages_failed) == ("page_errors", 1, 1)
    [error] = jsonl_records(errors_of(out))
    assert (error["canvas_index"], error["kind"], error["image_url"]) == (1, "bomb", bomb_url)
    assert f"{BOMB_SIDE**2} pixels, above the limit of 100000000" in error["message"]
    assert "--max-image-pixels" in error["message"]
    cache = ImageCache(tmp_path / "cache")
    assert cache.get(bomb_url) is None and not list((tmp_path / "cache").rglob(".*.part"))


def test_labels_of_5_mb(server: ScriptedServer, tmp_path: Path) -> None:
    label = "Très long titre " * (FIVE_MB // 16)
    url = serve_fast_book(server, "long", 1, canvas_labels=[label], manifest_label=label)
    collection = docs.v3_collection("lc", [("Manifest", "long")])
    collection["label"] = {"en": [label]}
    collection["items"][0]["label"] = {"en": [label]}
    server.route("/lc.json", collection)
    run_dir = tmp_path / "run"

    fetched = run_clean(
        script("fetch-collection", server.url("/lc.json"), str(run_dir / "c.json")), tmp_path
    )
    assert fetched.returncode == 0 and len(fetched.stdout) < 1000
    listed = run_clean(script("list-manifests", str(run_dir / "c.json")), tmp_path)
    assert listed.returncode == 0 and len(listed.stdout + listed.stderr) < 1000
    [row] = read_table(run_dir / "manifests.tsv")
    assert row["manifest_url"] == url and len(row["label"]) == 500
    validated = run_clean(barnacle("validate", url), tmp_path)
    assert validated.returncode == 0 and len(validated.stdout) < 5000

    out = tmp_path / "long.jsonl"
    assert process_manifest(url, out, quiet_options(tmp_path)).status == "complete"
    [record] = jsonl_records(out)
    assert len(record["canvas_label"]) == 1000 and len(out.read_bytes()) < 20_000
