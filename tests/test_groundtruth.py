"""`barnacle groundtruth` (#19) on tiny synthetic runs: which pages are chosen (lowest mean
line confidence spread across manifests, a random share, the same for the same seed), the
PAGE XML against the official 2019 schema, the cached image beside it, pages.tsv, and that
existing corrections are never overwritten."""

from __future__ import annotations

import csv
from pathlib import Path

from lxml import etree

from barnacle.evaluate import load_truth
from barnacle.evaluate.truth import read_truth_text
from barnacle.groundtruth import Candidate, choose_pages
from barnacle.images.cache import ImageCache

from support.cli import barnacle
from support.export_checks import PAGE, schema
from support.truth_pages import true_lines, write_tiny_run


def _candidates(confidences: dict[str, list[float]]) -> list[Candidate]:
    return [
        Candidate(sha1=sha1, canvas_index=i, canvas_id=f"{sha1}/{i}", confidence=c)
        for sha1, values in confidences.items()
        for i, c in enumerate(values)
    ]


def test_lowest_confidence_spread_across_manifests_plus_a_random_share() -> None:
    pages = _candidates({"a": [0.1, 0.2, 0.3, 0.4, 0.95, 0.96], "b": [0.5, 0.6, 0.97, 0.98]})
    chosen = choose_pages(pages, 5, seed=1, random_share=0.2)
    low = [(c.page.sha1, c.page.canvas_index) for c in chosen if c.reason != "random"]
    drawn = [(c.page.sha1, c.page.canvas_index) for c in chosen if c.reason == "random"]
    # four by confidence, at most two per manifest though "a" has the four lowest
    assert low == [("a", 0), ("a", 1), ("b", 0), ("b", 1)]
    assert len(drawn) == 1 and drawn[0] not in low
    assert choose_pages(pages, 5, seed=1, random_share=0.2) == chosen  # same seed, same pages
    draws = {
        (c.page.sha1, c.page.canvas_index)
        for seed in range(20)
        for c in choose_pages(pages, 5, seed=seed, random_share=0.2)
        if c.reason == "random"
    }
    assert len(draws) > 1  # the seed decides the random share
    # a manifest with fewer pages than its share leaves the rest to the others
    few = _candidates({"a": [0.1, 0.2, 0.3, 0.4], "b": [0.5]})
    taken = choose_pages(few, 4, seed=1, random_share=0)
    assert [(c.page.sha1, c.page.canvas_index) for c in taken] == [
        ("a", 0),
        ("a", 1),
        ("a", 2),
        ("b", 0),
    ]
    assert len(choose_pages(few, 50, seed=1, random_share=0.2)) == 5  # never more than exist


def test_groundtruth_folder_is_valid_page_with_images_and_a_table(tmp_path: Path) -> None:
    run, cache = tmp_path / "runs" / "r", tmp_path / "cache"
    low = {(0, 2): 0.3, (0, 4): 0.4, (1, 1): 0.2, (1, 3): 0.5}
    sha1s = write_tiny_run(run, cache, [6, 5], low)
    done = barnacle(
        "groundtruth", str(run), "--pages", "5", "--seed", "1", "--cache-dir", str(cache)
    )
    assert done.returncode == 0, done.stderr
    assert "5 page(s) of 2 manifest(s)" in done.stdout and "1 random" in done.stdout
    folder = run / "groundtruth"
    with (folder / "pages.tsv").open() as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert list(rows[0]) == ["sha1", "canvas_index", "canvas_id", "reason", "mean_confidence"]
    by_reason = sorted((r["sha1"], int(r["canvas_index"])) for r in rows if r["reason"] != "random")
    assert by_reason == sorted([(sha1s[0], 2), (sha1s[0], 4), (sha1s[1], 1), (sha1s[1], 3)])
    assert {r["mean_confidence"] for r in rows if r["reason"] != "random"} == {
        "0.2",
        "0.3",
        "0.4",
        "0.5",
    }
    for row in rows:
        m, index = sha1s.index(row["sha1"]), int(row["canvas_index"])
        assert row["canvas_id"] == f"http://127.0.0.1/m{m}/canvas/{index}"
        xml = folder / row["sha1"] / f"{index:04d}.xml"
        doc = etree.parse(str(xml))
        schema("pagecontent.xsd").assertValid(doc)
        page = doc.getroot().find(f"{PAGE}Page")
        assert page.get("imageFilename") == f"{index:04d}.jpg"
        assert (page.get("imageWidth"), page.get("imageHeight")) == ("320", "110")
        lines = page.findall(f".//{PAGE}TextRegion/{PAGE}TextLine")
        assert len(lines) == 2 and not page.findall(f".//{PAGE}Word")
        for line in lines:
            assert line.find(f"{PAGE}Coords").get("points")
            assert line.find(f"{PAGE}Baseline").get("points")
        # the OCR text is filled in, for the transcriber to correct
        expected = [text[:-1] for text in true_lines(m, index)]
        assert read_truth_text(xml).splitlines() == expected
        image_url = f"http://127.0.0.1/m{m}/canvas/{index}/full/320,/0/default.jpg"
        cached = ImageCache(cache).get(image_url)
        assert cached is not None
        assert (folder / row["sha1"] / f"{index:04d}.jpg").read_bytes() == cached.read_bytes()
    assert len(load_truth(folder)) == 5  # make evaluate reads the folder as it is

    again = barnacle("groundtruth", str(run), "--cache-dir", str(cache))
    assert again.returncode == 2 and "may hold corrections" in again.stderr
    assert again.stderr.count("\n") == 1


def test_pages_without_a_cached_image_are_left_out_and_counted(tmp_path: Path) -> None:
    run = tmp_path / "runs" / "r"
    write_tiny_run(run, tmp_path / "cache", [3], {})
    done = barnacle("groundtruth", str(run), "--cache-dir", str(tmp_path / "elsewhere"))
    assert done.returncode == 2 and "3 without a cached image" in done.stderr
    assert not (run / "groundtruth").exists()
