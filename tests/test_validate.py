"""`barnacle validate` on manifests and collections served over real HTTP."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from support import iiif_docs as docs
from support.cli import barnacle
from support.scripted_server import Response, ScriptedServer


def _validate(*args: str) -> subprocess.CompletedProcess[str]:
    return barnacle("validate", *args)


def test_manifest_report(server: ScriptedServer) -> None:
    canvases = [docs.v2_canvas("a"), docs.v2_canvas("b", service=False), docs.v2_canvas("c")]
    server.route("/m.json", docs.v2_manifest("m", canvases, sequences=2))
    done = _validate(server.url("/m.json"), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["version"], report["kind"], report["label"]) == (2, "Manifest", "Book m")
    assert report["canvases"] == 3
    assert report["canvases_without_service"] == [server.url("/canvas/b")]
    assert any("sequences" in note for note in report["notes"])
    text = _validate(server.url("/m.json")).stdout
    assert "canvases without an image service: 1" in text


def test_collection_and_local_file(server: ScriptedServer, tmp_path: Path) -> None:
    server.route("/c.json", docs.v3_collection("c", [("Manifest", "m1"), ("Collection", "s")]))
    done = _validate(server.url("/c.json"))
    assert done.returncode == 0
    assert "IIIF Presentation 3 Collection" in done.stdout and "members" in done.stdout
    local = tmp_path / "m.json"
    local.write_text(json.dumps(docs.v3_manifest("m", [docs.v3_canvas("a")])))
    assert _validate(str(local)).returncode == 0


def test_invalid_inputs_exit_1_without_traceback(server: ScriptedServer, tmp_path: Path) -> None:
    server.route("/html.json", Response(200, "<html>Login</html>"))
    server.route("/empty.json", docs.v3_manifest("e", []))
    for source in (server.url("/html.json"), server.url("/nope.json"), server.url("/empty.json")):
        done = _validate(source)
        assert done.returncode == 1, source
        assert "Traceback" not in done.stderr
    done = _validate(str(tmp_path / "missing.json"))
    assert done.returncode == 1 and "no such file" in done.stdout


def test_one_verdict_for_manifests_with_nothing_to_ocr() -> None:
    """No canvases, or only sound and video: INVALID and exit 1, never "OK" with exit 1."""
    from support.strict_iiif import strict_server

    with strict_server() as strict:
        for fixture, words in (
            ("no-canvases.json", "no canvases"),
            ("av-only.json", "no image canvases"),
        ):
            done = _validate(strict.manifest_url(fixture))
            assert done.returncode == 1, fixture
            assert done.stdout.startswith("INVALID ") and "OK" not in done.stdout.split()[0]
            assert words in done.stdout
        mixed = _validate(strict.manifest_url("mixed-book.json"), "--json")
        assert mixed.returncode == 0
        report = json.loads(mixed.stdout)
        assert (report["canvases"], report["image_canvases"]) == (9, 4)
        assert any("Sound" in line for line in report["skipped_canvases"])
        bad = _validate(strict.manifest_url("bad-canvases.json"))
        assert bad.returncode == 0 and "canvas/4 cannot be read" in bad.stdout


def test_collection_items_that_are_not_members_are_reported_as_such() -> None:
    """Canvases and Ranges listed by a collection are neither manifests nor collections:
    counted apart, by type, and not as members."""
    from support.strict_iiif import strict_server

    with strict_server() as strict:
        done = _validate(strict.manifest_url("collection-v2-members.json"), "--json")
        assert done.returncode == 0, done.stdout
        report = json.loads(done.stdout)
        assert report["members"] == 3  # two manifests and a sub-collection, each once
        assert report["other_items"] == [
            strict.url("/canvas/0") + " (sc:Canvas)",
            strict.url("/range/r1") + " (sc:Range)",
        ]
        text = _validate(strict.manifest_url("collection-v3-typed.json")).stdout
        assert "members (manifests and sub-collections): 1" in text
        assert "not manifests or collections (not followed): 2" in text
        assert f"{strict.url('/range/r2')} (Range)" in text


def test_change_discovery_stream_is_a_paged_collection(server: ScriptedServer) -> None:
    server.route(
        "/activity.json",
        {
            "@context": "http://iiif.io/api/discovery/1/context.json",
            "id": "{base}/activity.json",
            "type": "OrderedCollection",
            "first": {"id": "{base}/page0.json", "type": "OrderedCollectionPage"},
        },
    )
    done = _validate(server.url("/activity.json"))
    assert done.returncode == 0 and done.stdout.startswith("OK ")
    assert f"first page is {server.url('/page0.json')}" in done.stdout
    assert "collection is empty" not in done.stdout
