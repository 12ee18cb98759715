"""Hostile input: ids that look like paths or shell commands, URLs that are not http(s) or lead
nowhere, images that are local files, CSV columns naming paths, repeated canvas ids, lone
surrogates. Sizes and depths beyond reason: test_hostile_sizes.py.

None may write outside the run and cache directories or run a shell on a remote string; each
gives a clear error, and the entry points (scripts/fetch-collection, scripts/list-manifests,
barnacle ocr and run-task) say it in a line, never with a traceback. Local files are never
fetched: a file:// URL is refused with how to serve files over HTTP (a remote collection naming
file:///etc/passwd must not be able to read it).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from barnacle.http_client import HttpSettings, get_session
from barnacle.listing import manifest_sha1, read_table
from barnacle.run_folder import errors_of, part_of
from barnacle.run_folder.settings import RunSettings, write_settings
from barnacle.worker import process_manifest

from support import iiif_docs as docs
from support.fast_pages import serve_fast_book
from support.hang_guard import no_hang
from support.hostile_documents import BOMB_SIDE, tcp_server
from support.hostile_runs import (
    barnacle,
    bomb_canvas,
    jsonl_records,
    run_clean,
    script,
    serve_bomb,
    tree,
)
from support.scripted_server import ScriptedServer
from support.worker_options import quiet_options


def _serve_hostile_collection(server: ScriptedServer, hostile: list[str]) -> tuple[str, str]:
    """/c.json: a collection whose members are the hostile ids, a file:// URL, a book whose
    canvases carry the hostile ids and labels (and a bomb page), and a URL full of shell;
    (the book's URL, the shell URL as listed)."""
    url = serve_fast_book(
        server, "hostile", len(hostile), canvas_ids=hostile, canvas_labels=hostile
    )
    manifest = server.routes["/hostile.json"][0].body
    manifest["id"] = hostile[0]
    manifest["items"].append(bomb_canvas(len(hostile)))
    serve_bomb(server)
    shell_url = "{base}/x$(id)`id`;id&&id.json"
    members = [*hostile, "file:///etc/passwd", "{base}/hostile.json", shell_url]
    collection = docs.v3_collection("c", [])
    collection["items"] = [
        {"id": member, "type": "Manifest", "label": {"en": [member]}} for member in members
    ]
    server.route("/c.json", collection)
    return url, shell_url


def _assert_nothing_escaped(
    tmp_path: Path,
    outside_before: set[str],
    absolute_before: bool,
    absolute: Path,
    run_dir: Path,
    cwd: Path,
) -> None:
    """Only the run folder and the cache were written, each with only its own kinds of file."""
    assert absolute.exists() == absolute_before
    assert {p.name for p in tmp_path.parent.iterdir()} == outside_before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sandbox", "sentinel"]
    assert sorted(p.name for p in (tmp_path / "sandbox").iterdir()) == ["cache", "cwd", "runs"]
    assert not list(cwd.iterdir()) and [p.name for p in run_dir.parent.iterdir()] == ["hostile"]
    names = re.compile(
        r"c\.json|manifests\.tsv|settings\.json|ocr|ocr/[0-9a-f]{40}\.jsonl(\.part|\.errors\.jsonl)"
    )
    assert all(names.fullmatch(name) for name in tree(run_dir)), tree(run_dir)
    cached = re.compile(
        r"[0-9a-f]{2}(/[0-9a-f]{64}\.(img|info\.json|manifest\.json))?"
        r"|segmentations(/[0-9a-f]{2}(/[0-9a-f]{64}\.json)?)?"  # the segmentation cache
    )
    cache_dir = tmp_path / "sandbox" / "cache"
    assert all(cached.fullmatch(name) for name in tree(cache_dir)), tree(cache_dir)


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
    url, shell_url = _serve_hostile_collection(server, hostile)

    fetched = run_clean(
        script("fetch-collection", server.url("/c.json"), str(run_dir / "c.json")), cwd
    )
    assert fetched.returncode == 0, fetched.stderr
    listed = run_clean(script("list-manifests", str(run_dir / "c.json")), cwd)
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
    task = ("--no-progress", "--retries", "0")
    done = [run_clean(barnacle("run-task", str(run_dir), r["sha1"], *task), cwd) for r in rows]
    assert [d.returncode for d in done] == [3, 4], [d.stderr for d in done]
    out = run_dir / "ocr" / f"{manifest_sha1(url)}.jsonl"
    assert [r["canvas_id"] for r in jsonl_records(part_of(out))] == hostile  # kept, byte for byte
    assert [r["canvas_label"] for r in jsonl_records(part_of(out))] == [h.strip() for h in hostile]
    [bomb] = jsonl_records(errors_of(out))
    assert bomb["kind"] == "bomb" and f"{BOMB_SIDE**2} pixels, above the limit" in bomb["message"]
    assert "404" in done[1].stderr

    # Nothing ran a shell, nothing was written outside the run and cache folders.
    _assert_nothing_escaped(tmp_path, outside_before, absolute_before, absolute, run_dir, cwd)
    assert not list(sentinel.iterdir())


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
        fetched = run_clean(script("fetch-collection", str(listing), str(snapshot)), tmp_path)
        assert fetched.returncode == 0 and "6 manifest references" in fetched.stdout
        listed = run_clean(script("list-manifests", str(snapshot)), tmp_path)
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
            command = barnacle(
                "ocr",
                target,
                "--out",
                str(out),
                "--retries",
                "0",
                "--cache-dir",
                str(tmp_path / "cache"),
            )
            done = run_clean(command, tmp_path, 60)
            assert done.returncode == code, done.stderr
            assert reason in done.stderr and reason in errors_of(out).read_text()
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
    refused = run_clean(script("fetch-collection", "file:///etc/passwd", str(snapshot)), tmp_path)
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
        canvas = bomb_canvas(index)
        canvas["items"][0]["items"][0]["body"]["id"] = image
        canvases.append(canvas)
    server.route("/local.json", docs.v3_manifest("local", canvases))
    get_session(HttpSettings(retries=0, connect_timeout=1, read_timeout=2))
    out = tmp_path / "local.jsonl"
    result = process_manifest(server.url("/local.json"), out, quiet_options(tmp_path))
    assert (result.status, result.pages_failed) == ("page_errors", 3)
    errors = jsonl_records(errors_of(out))
    assert "http.server" in errors[0]["message"] and "only http(s)" in errors[1]["message"]
    assert "could not connect" in errors[2]["message"]
    assert "root:" not in out.with_name(out.name + ".errors.jsonl").read_text()
    assert not part_of(out).exists() or part_of(out).read_text() == ""


def test_repeated_canvas_ids_each_page_once(server: ScriptedServer, tmp_path: Path) -> None:
    url = serve_fast_book(server, "twins", 3, canvas_ids=["same", "same", "same"])
    out = tmp_path / "twins.jsonl"
    assert process_manifest(url, out, quiet_options(tmp_path)).status == "complete"
    keys = [r["page_key"] for r in jsonl_records(out)]
    assert len(set(keys)) == 3 and [r["canvas_id"] for r in jsonl_records(out)] == ["same"] * 3
    again = process_manifest(url, out, quiet_options(tmp_path))
    assert (again.status, again.pages_skipped) == ("complete", 3) and len(jsonl_records(out)) == 3


def test_csv_columns_cannot_choose_the_output_path(tmp_path: Path) -> None:
    url = "https://example.org/iiif/m.json"
    listing = tmp_path / "list.csv"
    listing.write_text(
        "manifest_url,sha1,output,index,label,a\tb\n"
        f'{url},../../../../tmp/x,/etc/passwd,7,"My\tbook",ok\n'
    )
    run_dir = tmp_path / "run"
    assert (
        run_clean(
            script("fetch-collection", str(listing), str(run_dir / "c.json")), tmp_path
        ).returncode
        == 0
    )
    assert run_clean(script("list-manifests", str(run_dir / "c.json")), tmp_path).returncode == 0
    [row] = read_table(run_dir / "manifests.tsv")
    assert (row["sha1"], row["index"]) == (manifest_sha1(url), "1")
    assert row["output"] == str(run_dir / "ocr" / f"{manifest_sha1(url)}.jsonl")
    assert (row["label"], row["a b"]) == ("My book", "ok")
    for bad in ("../../../../tmp/x", "/etc/passwd"):
        done = run_clean(barnacle("run-task", str(run_dir), bad, "--no-progress"), tmp_path)
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
    labels = [record["canvas_label"] for record in jsonl_records(out)]
    assert labels == ["x \ufffd", "ok \U0001f600"]
