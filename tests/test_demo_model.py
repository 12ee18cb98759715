"""Tests for the synthetic demo pages, their training data and the demo model."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from barnacle.demo import texts
from barnacle.demo.evaluate import cer, levenshtein

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "data/models/barnacle-demo.safetensors"
SAMPLE_PAGES = ROOT / "data/sample/pages"
PAGE_NS = {"p": "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"}

# Measured CER of the committed model on book1-p1.jpg: 0.0069 (4 errors in 579
# characters, see data/models/README.md); the bound leaves a wide margin.
SAMPLE_PAGE = "book1-p1"
SAMPLE_CER_BOUND = 0.05


def _fonts_available() -> bool:
    from barnacle.demo.render import available_fonts

    return bool(available_fonts())


needs_fonts = pytest.mark.skipif(not _fonts_available(), reason="serif fonts not installed")


def test_levenshtein() -> None:
    assert levenshtein("", "") == 0
    assert levenshtein("kitten", "sitting") == 3
    assert levenshtein("abc", "") == 3
    assert levenshtein("", "abc") == 3
    assert cer("ſunt", "ſunt") == 0.0
    assert cer("abcd", "abce") == 0.25


def test_text_source_is_seeded() -> None:
    def first_words(seed: int) -> list[str]:
        gen = texts.TextSource(seed).words()
        return [next(gen) for _ in range(50)]

    assert first_words(3) == first_words(3)
    assert first_words(3) != first_words(4)


def test_heldout_sentences_are_not_in_training_share() -> None:
    for lang in texts.LANGUAGES:
        train = set(texts.sentences(lang, "train"))
        held = set(texts.sentences(lang, "heldout"))
        assert held and train
        assert not train & held
        assert train | held == set(texts.sentences(lang))


def test_historicise_substitutes_old_forms() -> None:
    import random

    out = [
        texts.historicise("first she said, and the flowers of Caesar", random.Random(s), "en")
        for s in range(20)
    ]
    joined = "".join(out)
    assert "ſ" in joined and "ﬁ" in joined and "ﬂ" in joined and "&" in joined
    # long s never ends a word
    assert not any(word.endswith("ſ") for line in out for word in line.split())


@needs_fonts
def test_render_is_deterministic() -> None:
    from barnacle.demo.render import render_page

    a, b = render_page(11), render_page(11)
    assert a.text == b.text
    assert [ln.baseline for ln in a.lines] == [ln.baseline for ln in b.lines]
    assert np.array_equal(np.asarray(a.image), np.asarray(b.image))
    c = render_page(12)
    assert c.text != a.text


@needs_fonts
def test_render_in_a_font_outside_the_demo_set() -> None:
    """make bench-finetune renders pages in a typeface the demo model was not trained on."""
    from barnacle.demo.render import available_fonts, render_page

    mono = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
    if not mono.is_file():
        pytest.skip("fonts-dejavu-core not installed")
    page = render_page(11, font_path=mono)
    assert page.font == "DejaVuSansMono" and mono not in available_fonts().values()
    assert page.lines and not np.array_equal(
        np.asarray(page.image), np.asarray(render_page(11).image)
    )


@needs_fonts
def test_render_page_layout() -> None:
    from barnacle.demo.render import render_page

    for seed in range(5):
        page = render_page(seed)
        w, h = page.image.size
        assert page.image.mode == "L"
        assert 1200 <= w <= 1500
        assert 12 <= len(page.lines) <= 25
        ys = [ln.baseline[0][1] for ln in page.lines]
        assert ys == sorted(ys)
        for ln in page.lines:
            (x0, y0), (x1, y1) = ln.baseline[0], ln.baseline[-1]
            assert y0 == y1 and 0 <= x0 < x1 <= w and 0 < y0 < h
            bx0, by0, bx1, by1 = ln.bbox
            assert by0 < y0 <= by1 + 1 and bx0 <= x1 and ln.text.strip()


@needs_fonts
def test_training_page_xml_has_kraken_polygons(tmp_path: Path) -> None:
    from barnacle.demo.training_data import write_page

    written = write_page(5, tmp_path)
    assert written.image.exists() and written.lines >= 12
    root = ET.parse(written.xml).getroot()
    lines = root.findall(".//p:TextLine", PAGE_NS)
    assert len(lines) == written.lines
    for line in lines:
        coords = line.find("p:Coords", PAGE_NS).get("points").split()
        baseline = line.find("p:Baseline", PAGE_NS).get("points").split()
        assert len(coords) > 4  # a polygon that hugs the ink, not a rectangle
        assert len(baseline) >= 2
        assert line.find("p:TextEquiv/p:Unicode", PAGE_NS).text.strip()
    image = root.find("p:Page", PAGE_NS).get("imageFilename")
    assert (tmp_path / image).exists()


def test_sample_pages_present() -> None:
    books = json.loads((SAMPLE_PAGES.parent / "books.json").read_text(encoding="utf-8"))
    listed = sorted(page["image"] for book in books["books"] for page in book["pages"])
    images = sorted(SAMPLE_PAGES.glob("book*-p*.jpg"))
    assert [image.name for image in images] == listed  # every page served, none left over
    assert sum(p.stat().st_size for p in images) < 3_000_000
    for image in images:
        text = image.with_suffix(".txt").read_text(encoding="utf-8")
        assert len(text.strip().splitlines()) >= 12


@pytest.mark.slow
@pytest.mark.skipif(not MODEL.exists(), reason="demo model not built")
def test_demo_model_reads_sample_page() -> None:
    from PIL import Image

    from barnacle.demo.evaluate import evaluate_pages

    image = Image.open(SAMPLE_PAGES / f"{SAMPLE_PAGE}.jpg")
    truth = (SAMPLE_PAGES / f"{SAMPLE_PAGE}.txt").read_text(encoding="utf-8").strip()
    (result,) = evaluate_pages(MODEL, [(SAMPLE_PAGE, image, truth)])
    assert result.cer < SAMPLE_CER_BOUND, result.prediction
