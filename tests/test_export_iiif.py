"""Export (#10) to IIIF: derived manifests (iiif-prezi3 and our own v3 model) from v2 and v3
sources, annotations scaled from the downloaded image to a larger canvas, and a source
manifest missing from the cache."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from iiif_prezi3 import AnnotationPage as PreziAnnotationPage
from iiif_prezi3 import Manifest as PreziManifest

from barnacle.export import DEFAULT_PUBLISH_URL, export_run
from barnacle.export.geometry import line_box, scale_box
from barnacle.iiif import manifest_from_json

from support.export_runs import HOST, add_manifest, cli, records_of, v2_manifest, v3_manifest

pytest_plugins = ["support.export_fixtures"]  # the fixtures `run` and `cache_dir`


def check_derived(run: Path, jsonl: Path, source_url: str) -> dict[str, Any]:
    """The derived manifest of `jsonl`: valid for iiif-prezi3 and our v3 model, annotations
    where the contract says, boxes inside their canvas and equal to the scaled lines."""
    sha = jsonl.stem
    path = run / "iiif" / sha / "manifest.json"
    manifest = json.loads(path.read_text())
    PreziManifest(**manifest)
    pages = manifest_from_json(manifest).pages()
    assert pages.version == 3 and manifest["id"] == f"{DEFAULT_PUBLISH_URL}{sha}/manifest.json"
    assert manifest["@context"][-1] == "http://iiif.io/api/presentation/3/context.json"
    assert "http://iiif.io/api/extension/text-granularity/context.json" in manifest["@context"]
    assert manifest["service"][0] == {
        "id": f"{DEFAULT_PUBLISH_URL}{sha}/search",
        "type": "SearchService2",
    }
    assert {"id": source_url, "type": "Manifest"}.items() <= manifest["partOf"][-1].items()
    assert any(link["id"] == source_url for link in manifest["seeAlso"])
    records = records_of(jsonl)
    for record, canvas in zip(records, manifest["items"], strict=True):
        assert canvas["id"] == record.canvas_id
        page_url = f"{DEFAULT_PUBLISH_URL}{sha}/annotations/{record.canvas_index:04d}.json"
        assert canvas["annotations"] == [{"id": page_url, "type": "AnnotationPage"}]
        alto = canvas["rendering"][0]
        assert alto["profile"] == "http://www.loc.gov/standards/alto/"
        assert alto["id"].endswith(f"/alto/{sha}/{record.canvas_index:04d}.xml")
        assert canvas["rendering"][1]["format"] == "text/plain"
        annotation_page = json.loads(
            (run / "iiif" / sha / "annotations" / f"{record.canvas_index:04d}.json").read_text()
        )
        PreziAnnotationPage(**annotation_page)
        assert annotation_page["id"] == page_url
        size = (canvas["width"], canvas["height"])
        items = annotation_page["items"]
        assert len(items) == len(record.ocr_lines)
        for annotation, line in zip(items, record.ocr_lines, strict=True):
            assert annotation["motivation"] == "supplementing"
            assert annotation["textGranularity"] == "line"
            body = annotation["body"]
            assert (body["type"], body["format"], body["value"]) == (
                "TextualBody",
                "text/plain",
                line.text,
            )
            target, xywh = annotation["target"].split("#xywh=")
            assert target == canvas["id"]
            x, y, w, h = (int(v) for v in xywh.split(","))
            assert 0 <= x and 0 <= y and x + w <= size[0] and y + h <= size[1]
            expected = scale_box(line_box(line), (record.image.width, record.image.height), size)
            assert (x, y, x + w, y + h) == expected
            # Twice the image: the box is the line's box doubled (to within a unit).
            box = line_box(line)
            assert abs(x - 2 * box[0]) <= 1 and abs(x + w - 2 * box[2]) <= 1
    return manifest


def test_iiif_from_v3_source_keeps_it_and_adds_annotations(run: Path, cache_dir: Path) -> None:
    source = v3_manifest("a", 3)
    jsonl = add_manifest(run, cache_dir, source, 3, metadata={"language": "la"})
    report = export_run(run, ["iiif"], cache_dir=cache_dir)
    assert report.ok, report.problems
    manifest = check_derived(run, jsonl, source["id"])
    for key in ("label", "metadata", "rights", "requiredStatement"):
        assert manifest[key] == source[key]
    assert [c["items"] for c in manifest["items"]] == [c["items"] for c in source["items"]]
    page = json.loads((run / "iiif" / jsonl.stem / "annotations" / "0000.json").read_text())
    assert page["items"][0]["body"]["language"] == "la"


def test_iiif_from_v2_source_is_valid_3_0(run: Path, cache_dir: Path) -> None:
    source = v2_manifest("b", 2)
    jsonl = add_manifest(run, cache_dir, source, 2)
    assert export_run(run, ["iiif"], cache_dir=cache_dir).ok
    manifest = check_derived(run, jsonl, source["@id"])
    assert manifest["label"] == {"fr": ["Livre"], "en": ["Book"]}
    assert manifest["metadata"][1] == {"label": {"none": ["Date"]}, "value": {"none": ["1563"]}}
    assert manifest["summary"] == {"none": ["A sample book"]}
    assert manifest["requiredStatement"]["value"] == {"none": ["Provided by a library"]}
    assert manifest["rights"] == source["license"]
    assert manifest["provider"][0]["logo"][0]["id"] == f"{HOST}/logo.png"
    canvases = source["sequences"][0]["canvases"]
    assert [c["id"] for c in manifest["items"]] == [c["@id"] for c in canvases]
    assert manifest["items"][0]["label"] == {"none": ["p. 1"]}
    pages = manifest_from_json(manifest).pages().pages
    assert pages[0].service is not None and pages[0].service.version == 2
    assert pages[0].service.id == f"{HOST}/iiif/b-0"


def test_missing_source_manifest_fails_iiif_only(run: Path, cache_dir: Path) -> None:
    jsonl = add_manifest(run, cache_dir, v3_manifest("a", 1), 1)
    done = cli("text,iiif", jsonl, "--cache-dir", cache_dir / "elsewhere")
    assert done.returncode == 1
    assert f"{jsonl}: source manifest {HOST}/a/manifest.json is not in the cache" in done.stderr
    assert (run / "text" / f"{jsonl.stem}.txt").is_file()
    assert not (run / "iiif" / jsonl.stem / "manifest.json").exists()
    unknown = cli("docx", jsonl)
    assert unknown.returncode == 2 and "unknown export format 'docx'" in unknown.stderr
