"""Hostile input: ids that look like paths or shell commands, URLs that are not http(s) or lead
nowhere, a manifest of 100,000 canvases, collections 50 deep or looping, JSON nested beyond
reason, a decompression bomb, labels of 5 MB.

None may write outside the run and cache directories, run a shell on a remote string, hang or
exhaust memory; each gives a clear error, and the entry points (scripts/fetch-collection,
scripts/list-manifests, barnacle ocr and run-task) say it in a line, never with a traceback.
Local files are never fetched: a file:// URL is refused with how to serve files over HTTP (a
remote collection naming file:///etc/passwd must not be able to read it).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from barnacle.http_client import HttpSettings, get_session
from barnacle.images import ImageCache
from barnacle.listing import fetch_snapshot, manifest_sha1, read_table
from barnacle.run_folder.settings import RunSettings, write_settings
from barnacle.worker import process_manifest
from barnacle.worker.output_files import errors_path, part_path

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
    tcp_server,
)
from support.paths import REPO
from support.scripted_server import Response, ScriptedServer
from support.worker_options import quiet_options

SCRIPTS = REPO / "scripts"
FIVE_MB = 5 * 1024 * 1024


def _records(path: Path) -> list[dict]:
    """The records of a JSONL file, which any line reader must split alike: a record never
    holds a raw U+2028 or NEL, which str.splitlines takes for a line end."""
    text = path.read_text(encoding="utf-8")
    assert text.splitlines() == text.split("\n")[:-1]
    return [json.loads(line) for line in text.splitlines()]


def _run(args: list[str], cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """A command line of ours, which must never print a traceback or a terminal escape."""
    done = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout,
    )
    for stream in (done.stdout, done.stderr):
        assert "Traceback" not in stream and "\x1b" not in stream, stream[-3000:]
    return done


def _script(name: str, *args: str) -> list[str]:
    return [str(SCRIPTS / name), *args]


def _barnacle(*args: str) -> list[str]:
    return ["-m", "barnacle", *args]


def _bomb_canvas(index: int) -> dict:
    """A canvas painted with /bomb.png directly (no image service)."""
    canvas = docs.v3_canvas(f"bomb{index}")
    body = canvas["items"][0]["items"][0]["body"]
    body["id"] = "{base}/bomb.png"
    del body["service"]
    return canvas


def _serve_bomb(server: ScriptedServer) -> None:
    server.route("/bomb.png", Response(200, bomb_png(), {"Content-Type": "image/png"}))


def _tree(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*")}


@pytest.mark.slow
def test_hostile_ids_stay_strings_from_listing_to_records(
    server: ScriptedServer, tmp_path: Path
) -> None:
    """Ids with ../, absolute paths, $(...), backticks, ;, tabs, newlines, escapes and
    non-ASCII, through fetch-collection, list-manifests and run-task (what make runs)."""
    sentinel = tmp_path / "sentinel"
    sandbox = tmp_path / "sandbox"
    run_dir, cache_dir, cwd = sandbox / "runs" / "hostile", sandbox / "cache", sandbox / "cwd"
    for folder in (sentinel, cwd):
        folder.mkdir(parents=True)
    absolute = Path("/tmp/barnacle-hostile-absolute")
    hostile = [
        "../../../../escaped",
        str(absolute),
        f"$(touch {sentinel}/dollar)",
        f"`touch {sentinel}/backtick`",
        f"x; touch {sentinel}/semicolon",
        "tab\there\nnew line\u2028separator",
        "ünïcödé 書 \u202e \x1b[31mred \x00",
    ]
    outside_before = {p.name for p in tmp_path.parent.iterdir()}
    absolute_before = absolute.exists()
    url = serve_fast_book(
        server, "hostile", len(hostile), canvas_ids=hostile, canvas_labels=hostile
    )
    manifest = server.routes["/hostile.json"][0].body
    manifest["id"] = hostile[0]
    manifest["items"].append(_bomb_canvas(len(hostile)))
    _serve_bomb(server)
    shell_url = "{base}/x$(id)`id`;id&&id.json"
    members = [*hostile, "file:///etc/passwd", "{base}/hostile.json", shell_url]
    collection = docs.v3_collection("c", [])
    collection["items"] = [
        {"id": member, "type": "Manifest", "label": {"en": [member]}} for member in members
    ]
    server.route("/c.json", collection)

    fetched = _run(_script("fetch-collection", server.url("/c.json"), str(run_dir / "c.json")), cwd)
    assert fetched.returncode == 0, fetched.stderr
    listed = _run(_script("list-manifests", str(run_dir / "c.json")), cwd)
    assert listed.returncode == 0, listed.stderr
    invalid = [line for line in listed.stderr.splitlines() if line.startswith("invalid: ")]
    assert len(invalid) == len(hostile) + 1 == len(listed.stderr.splitlines())
    assert "only http(s)" in invalid[-1] and "http.server" in invalid[-1]
    tsv = (run_dir / "manifests.tsv").read_text()
    assert {line.count("\t") for line in tsv.splitlines()} == {4}  # no row broken
    rows = read_table(run_dir / "manifests.tsv")
    assert [row["manifest_url"] for row in rows] == [url, shell_url.replace("{base}", server.base)]

    # The run's settings, as make run writes them (runs/<RUN>/settings.json).
    write_settings(run_dir / "settings.json", RunSettings(cache_dir=cache_dir, page_processes=1))
    done = [
        _run(
            _barnacle(
                "run-task",
                str(run_dir),
                row["sha1"],
                "--no-progress",
                "--retries",
                "0",
            ),
            cwd,
        )
        for row in rows
    ]
    assert [d.returncode for d in done] == [3, 4], [d.stderr for d in done]
    out = run_dir / "ocr" / f"{manifest_sha1(url)}.jsonl"
    assert [r["canvas_id"] for r in _records(part_path(out))] == hostile  # kept, byte for byte
    assert [r["canvas_label"] for r in _records(part_path(out))] == [h.strip() for h in hostile]
    [bomb] = _records(errors_path(out))
    assert bomb["kind"] == "bomb" and f"{BOMB_SIDE**2} pixels, above the limit" in bomb["message"]
    assert "404" in done[1].stderr

    # Nothing ran a shell, nothing was written outside the run and cache folders.
    assert not list(sentinel.iterdir()) and absolute.exists() == absolute_before
    assert {p.name for p in tmp_path.parent.iterdir()} == outside_before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sandbox", "sentinel"]
    assert sorted(p.name for p in sandbox.iterdir()) == ["cache", "cwd", "runs"]
    assert not list(cwd.iterdir()) and [p.name for p in run_dir.parent.iterdir()] == ["hostile"]
    names = re.compile(
        r"c\.json|manifests\.tsv|ocr|ocr/[0-9a-f]{40}\.jsonl(\.part|\.errors\.jsonl)"
    )
    assert all(names.fullmatch(name) for name in _tree(run_dir)), _tree(run_dir)
    cached = re.compile(
        r"[0-9a-f]{2}(/[0-9a-f]{64}\.(img|info\.json|manifest\.json))?"
        r"|segmentations(/[0-9a-f]{2}(/[0-9a-f]{64}\.json)?)?"  # the segmentation cache
    )
    assert all(cached.fullmatch(name) for name in _tree(cache_dir)), _tree(cache_dir)


def test_urls_that_are_not_http_or_lead_nowhere(server: ScriptedServer, tmp_path: Path) -> None:
    book = serve_fast_book(server, "fine", 1)
    with tcp_server(b"SSH-2.0-OpenSSH_9.6\r\n") as garbage, tcp_server(None) as silent:
        garbage_url = f"http://127.0.0.1:{garbage}/m.json"
        silent_url = f"http://127.0.0.1:{silent}/m.json"
        listing = tmp_path / "urls.txt"
        listing.write_text(
            f"file:///etc/passwd\nftp://ftp.example.org/m.json\n# a comment\n"
            f"http://127.0.0.1:22/\n{garbage_url}\n{silent_url}\n{book}\n"
        )
        snapshot = tmp_path / "run" / "collection.json"
        fetched = _run(_script("fetch-collection", str(listing), str(snapshot)), tmp_path)
        assert fetched.returncode == 0 and "6 manifest references" in fetched.stdout
        listed = _run(_script("list-manifests", str(snapshot)), tmp_path)
        assert listed.returncode == 0
        assert listed.stderr.splitlines() == [
            "invalid: line 1: 'file:///etc/passwd': only http(s) URLs are fetched, not file: (to "
            "use local files, serve their folder over HTTP, e.g. `python -m http.server 8000 "
            "--bind 127.0.0.1` in it, and give http://127.0.0.1:8000/... URLs)",
            "invalid: line 2: 'ftp://ftp.example.org/m.json': only http(s) URLs are fetched, "
            "not ftp:",
        ]
        assert len(read_table(tmp_path / "run" / "manifests.tsv")) == 4

        # The worker: each refused or failing (the subprocess timeout catches a hang), with the
        # reason; bench/bench_hostile_input.py times them.
        for target, code, reason in (
            ("file:///etc/passwd", 4, "http.server"),
            ("ftp://ftp.example.org/m.json", 4, "only http(s)"),
            ("http://127.0.0.1:22/", 4, "could not connect"),
            (garbage_url, 4, garbage_url),
        ):
            out = tmp_path / "ocr" / f"{manifest_sha1(target)}.jsonl"
            command = _barnacle(
                "ocr",
                target,
                "--out",
                str(out),
                "--retries",
                "0",
                "--cache-dir",
                str(tmp_path / "cache"),
            )
            done = _run(command, tmp_path, 60)
            assert done.returncode == code, done.stderr
            assert reason in done.stderr and reason in errors_path(out).read_text()
        # A server that accepts and never answers: the read timeout ends it.
        get_session(HttpSettings(retries=0, connect_timeout=1, read_timeout=1))
        with no_hang(120, "the worker against a server that never answers"):
            result = process_manifest(
                silent_url, tmp_path / "silent.jsonl", quiet_options(tmp_path)
            )
        assert result.exit_code == 4
        assert silent_url in result.message
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").rglob("*.img"))

    # As a SOURCE, a file:// URL is refused with the fix (give the path itself).
    refused = _run(_script("fetch-collection", "file:///etc/passwd", str(snapshot)), tmp_path)
    assert refused.returncode == 1 and len(refused.stderr.splitlines()) == 1
    assert "local file path" in refused.stderr


def test_pages_whose_images_are_local_files_or_other_schemes_are_errors(
    server: ScriptedServer, tmp_path: Path
) -> None:
    """A remote manifest cannot make the worker read a local file."""
    canvases = []
    for index, image in enumerate(
        ("file:///etc/passwd", "ftp://example.org/p.jpg", "http://127.0.0.1:22/p.jpg")
    ):
        canvas = _bomb_canvas(index)
        canvas["items"][0]["items"][0]["body"]["id"] = image
        canvases.append(canvas)
    server.route("/local.json", docs.v3_manifest("local", canvases))
    get_session(HttpSettings(retries=0, connect_timeout=1, read_timeout=2))
    out = tmp_path / "local.jsonl"
    result = process_manifest(server.url("/local.json"), out, quiet_options(tmp_path))
    assert (result.status, result.pages_failed) == ("page_errors", 3)
    errors = _records(errors_path(out))
    assert "http.server" in errors[0]["message"] and "only http(s)" in errors[1]["message"]
    assert "could not connect" in errors[2]["message"]
    assert "root:" not in out.with_name(out.name + ".errors.jsonl").read_text()
    assert not part_path(out).exists() or part_path(out).read_text() == ""


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
    assert (figures["exit"], figures["total"], len(_records(out))) == (0, 2, 2)
    # The document is parsed once (about 6x its size as Python objects), never per page.
    assert figures["grown_mb"] < 8 * len(document) / 2**20

    snapshot = tmp_path / "s.json"
    listed = _run(_script("fetch-collection", server.url("/big.json"), str(snapshot)), tmp_path)
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

    looped = _run(
        _script("fetch-collection", server.url("/a.json"), str(tmp_path / "s.json")), tmp_path
    )
    assert looped.returncode == 0 and "3 manifest references" in looped.stdout
    assert len([line for line in looped.stderr.splitlines() if "warning: cycle" in line]) == 2


def test_json_nested_beyond_reason(server: ScriptedServer, tmp_path: Path) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    server.route("/deep.json", Response(200, deep, {"Content-Type": "application/json"}))
    (tmp_path / "deep.json").write_bytes(deep)
    for source in (server.url("/deep.json"), str(tmp_path / "deep.json")):
        done = _run(_script("fetch-collection", source, str(tmp_path / "s.json")), tmp_path)
        assert done.returncode == 1 and len(done.stderr.splitlines()) == 1, done.stderr
        assert "nested too deeply" in done.stderr or "recursion" in done.stderr
    listed = _run(_script("list-manifests", str(tmp_path / "deep.json")), tmp_path)
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
    [error] = _records(errors_path(out))
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

    fetched = _run(
        _script("fetch-collection", server.url("/lc.json"), str(run_dir / "c.json")), tmp_path
    )
    assert fetched.returncode == 0 and len(fetched.stdout) < 1000
    listed = _run(_script("list-manifests", str(run_dir / "c.json")), tmp_path)
    assert listed.returncode == 0 and len(listed.stdout + listed.stderr) < 1000
    [row] = read_table(run_dir / "manifests.tsv")
    assert row["manifest_url"] == url and len(row["label"]) == 500
    validated = _run(_barnacle("validate", url), tmp_path)
    assert validated.returncode == 0 and len(validated.stdout) < 5000

    out = tmp_path / "long.jsonl"
    assert process_manifest(url, out, quiet_options(tmp_path)).status == "complete"
    [record] = _records(out)
    assert len(record["canvas_label"]) == 1000 and len(out.read_bytes()) < 20_000


def test_repeated_canvas_ids_each_page_once(server: ScriptedServer, tmp_path: Path) -> None:
    url = serve_fast_book(server, "twins", 3, canvas_ids=["same", "same", "same"])
    out = tmp_path / "twins.jsonl"
    assert process_manifest(url, out, quiet_options(tmp_path)).status == "complete"
    keys = [r["page_key"] for r in _records(out)]
    assert len(set(keys)) == 3 and [r["canvas_id"] for r in _records(out)] == ["same"] * 3
    again = process_manifest(url, out, quiet_options(tmp_path))
    assert (again.status, again.pages_skipped) == ("complete", 3) and len(_records(out)) == 3


def test_csv_columns_cannot_choose_the_output_path(tmp_path: Path) -> None:
    url = "https://example.org/iiif/m.json"
    listing = tmp_path / "list.csv"
    listing.write_text(
        "manifest_url,sha1,output,index,label,a\tb\n"
        f'{url},../../../../tmp/x,/etc/passwd,7,"My\tbook",ok\n'
    )
    run_dir = tmp_path / "run"
    assert (
        _run(
            _script("fetch-collection", str(listing), str(run_dir / "c.json")), tmp_path
        ).returncode
        == 0
    )
    assert _run(_script("list-manifests", str(run_dir / "c.json")), tmp_path).returncode == 0
    [row] = read_table(run_dir / "manifests.tsv")
    assert (row["sha1"], row["index"]) == (manifest_sha1(url), "1")
    assert row["output"] == str(run_dir / "ocr" / f"{manifest_sha1(url)}.jsonl")
    assert (row["label"], row["a b"]) == ("My book", "ok")
    for bad in ("../../../../tmp/x", "/etc/passwd"):
        done = _run(_barnacle("run-task", str(run_dir), bad, "--no-progress"), tmp_path)
        assert done.returncode == 4 and "40 hex digits" in done.stderr
        assert len(done.stderr.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["list.csv", "run"]


@pytest.mark.slow
def test_lone_surrogates_in_a_manifest_are_replaced_not_fatal(
    server: ScriptedServer, tmp_path: Path
) -> None:
    """A label `"x \\ud800"` is valid JSON that no UTF-8 record can hold: the worker writes
    U+FFFD in its place and finishes the book (it used to stop on serialising the record)."""
    url = serve_fast_book(
        server, "lone", 2, canvas_labels=["x \ud800", "ok \ud83d\ude00"], manifest_label="\udfff"
    )
    out = tmp_path / "lone.jsonl"
    result = process_manifest(url, out, quiet_options(tmp_path))
    assert (result.status, result.exit_code) == ("complete", 0), result.message
    labels = [record["canvas_label"] for record in _records(out)]
    assert labels == ["x \ufffd", "ok \U0001f600"]
