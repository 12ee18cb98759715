"""Export (#10) on synthetic records: ALTO and PAGE against their official schemas, hOCR word
boxes, plain text, old records at line level, and a full-text index fed from hOCR. IIIF:
test_export_iiif.py; incremental export, make targets and bad input: test_export_runs.py."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from barnacle.export import export_run
from barnacle.export.geometry import line_box
from barnacle.export.kraken_page import page_id

from support.export_checks import ALTO, PAGE, box_of, hocr_words, index_hocr, inside, schema
from support.export_runs import ALL, IMAGE, add_manifest, cli, records_of, v3_manifest

pytest_plugins = ["support.export_fixtures"]  # the fixtures `run` and `cache_dir`


def test_alto_validates_with_unique_page_ids_and_word_boxes(run: Path, cache_dir: Path) -> None:
    first = add_manifest(run, cache_dir, v3_manifest("a", 2), 2)
    add_manifest(run, cache_dir, v3_manifest("b", 1), 1)
    report = export_run(run, ["alto"], cache_dir=cache_dir)
    assert report.ok and len(report.exported) == 2
    files = sorted((run / "alto").glob("*/*.xml"))
    assert [f.name for f in files if f.parent.name == first.stem] == ["0000.xml", "0001.xml"]
    page_ids = []
    for path in files:
        doc = etree.parse(str(path))
        schema("alto-4-3.xsd").assertValid(doc)
        page = doc.find(f"{ALTO}Layout/{ALTO}Page")
        page_ids.append(page.get("ID"))
        assert page.get("WIDTH") == str(IMAGE[0]) and page.get("HEIGHT") == str(IMAGE[1])
        names = [e.get("ID") for e in doc.iter() if e.get("ID")]
        assert len(names) == len(set(names))
        record = records_of(run / "ocr" / f"{path.parent.name}.jsonl")[int(path.stem)]
        file_name = doc.find(f"{ALTO}Description/{ALTO}sourceImageInformation/{ALTO}fileName")
        assert file_name.text == record.image_url
        lines = list(doc.iter(f"{ALTO}TextLine"))
        assert len(lines) == len(record.ocr_lines)
        for element, line in zip(lines, record.ocr_lines, strict=True):
            assert box_of(element) == line_box(line)
            words = element.findall(f"{ALTO}String")
            assert [w.get("CONTENT") for w in words] == line.text.split()
            for word in words:
                assert inside(box_of(word), box_of(element)) and 0 < float(word.get("WC")) <= 1
            xs = [box_of(w)[0] for w in words]
            assert xs == sorted(xs)
        for element in doc.iter(
            f"{ALTO}TextBlock", f"{ALTO}TextLine", f"{ALTO}String", f"{ALTO}SP"
        ):
            assert all(element.get(k) is not None for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT"))
    assert len(page_ids) == len(set(page_ids)) == 3


def test_page_xml_validates_with_words(run: Path, cache_dir: Path) -> None:
    jsonl = add_manifest(run, cache_dir, v3_manifest("a", 2), 2)
    assert export_run(run, ["page"], cache_dir=cache_dir).ok
    for path in sorted((run / "page" / jsonl.stem).glob("*.xml")):
        doc = etree.parse(str(path))
        schema("pagecontent.xsd").assertValid(doc)
        record = records_of(jsonl)[int(path.stem)]
        page = doc.find(f"{PAGE}Page")
        assert page.get("imageFilename") == record.image_url
        assert doc.find(f"{PAGE}Metadata/{PAGE}Created").text == record.created_at
        for element, line in zip(doc.iter(f"{PAGE}TextLine"), record.ocr_lines, strict=True):
            words = element.findall(f"{PAGE}Word")
            texts = [w.find(f"{PAGE}TextEquiv/{PAGE}Unicode").text for w in words]
            assert texts == line.text.split()
            assert all(w.find(f"{PAGE}Coords") is not None for w in words)
            assert element.find(f"{PAGE}TextEquiv/{PAGE}Unicode").text == line.text


def test_hocr_pages_carry_id_image_ppageno_and_word_boxes(run: Path, cache_dir: Path) -> None:
    jsonl = add_manifest(run, cache_dir, v3_manifest("a", 3), 3)
    assert export_run(run, ["hocr"], cache_dir=cache_dir).ok
    path = run / "hocr" / f"{jsonl.stem}.html"
    root = lxml_html.parse(str(path)).getroot()
    pages = root.find_class("ocr_page")
    records = records_of(jsonl)
    assert [p.get("id") for p in pages] == [page_id(jsonl.stem, i) for i in range(3)]
    for page, record in zip(pages, records, strict=True):
        title = page.get("title")
        assert f'image "{record.image_url}"' in title and f"ppageno {record.canvas_index}" in title
        assert f"bbox 0 0 {IMAGE[0]} {IMAGE[1]}" in title
        lines = page.find_class("ocr_line")
        assert len(lines) == len(record.ocr_lines)
        for element, line in zip(lines, record.ocr_lines, strict=True):
            line_bbox = tuple(int(v) for v in element.get("title").split(";")[0].split()[1:])
            assert line_bbox == line_box(line)
            words = element.find_class("ocrx_word")
            assert [w.text_content() for w in words] == line.text.split()
            for word in words:
                bbox = tuple(int(v) for v in word.get("title").split(";")[0].split()[1:])
                assert inside(bbox, line_bbox) and bbox[2] > bbox[0]
                assert re.search(r"x_wconf \d+", word.get("title"))
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))


def test_text_separates_pages_with_form_feed(run: Path, cache_dir: Path) -> None:
    jsonl = add_manifest(run, cache_dir, v3_manifest("a", 3), 3)
    assert export_run(run, ["text"], cache_dir=cache_dir).ok
    text = (run / "text" / f"{jsonl.stem}.txt").read_text()
    assert text.rstrip("\n").split("\f") == [r.text for r in records_of(jsonl)]


def test_records_without_cuts_export_at_line_level_with_a_note(run: Path, cache_dir: Path) -> None:
    jsonl = add_manifest(run, cache_dir, v3_manifest("a", 2), 2, cuts=False, lines=5)
    done = cli(",".join(ALL), jsonl, "--cache-dir", cache_dir)
    assert done.returncode == 0, done.stderr
    assert "note:" in done.stderr and "line level" in done.stderr
    record = records_of(jsonl)[0]
    doc = etree.parse(str(run / "alto" / jsonl.stem / "0000.xml"))
    schema("alto-4-3.xsd").assertValid(doc)
    strings = list(doc.iter(f"{ALTO}String"))
    assert [s.get("CONTENT") for s in strings] == [line.text for line in record.ocr_lines]
    assert [box_of(s) for s in strings] == [line_box(line) for line in record.ocr_lines]
    schema("pagecontent.xsd").assertValid(etree.parse(str(run / "page" / jsonl.stem / "0000.xml")))
    words = hocr_words(run / "hocr" / f"{jsonl.stem}.html")
    assert [w["text"] for w in words[:5]] == [line.text for line in record.ocr_lines]


def test_hocr_feeds_a_full_text_index(run: Path, cache_dir: Path) -> None:
    jsonl = add_manifest(run, cache_dir, v3_manifest("a", 3), 3, lines=6)
    # A word only page 2, line 4 has (as long as the word it replaces: one cut per character).
    records = records_of(jsonl)
    line = records[2].ocr_lines[4]
    first = line.text.split()[0]
    unique = ("zyx" * 10)[: len(first)]
    line.text = unique + line.text[len(first) :]
    jsonl.write_text("".join(r.model_dump_json() + "\n" for r in records))
    assert export_run(run, ["hocr", "alto"], cache_dir=cache_dir).ok
    record = records[2]
    db = index_hocr(run / "hocr" / f"{jsonl.stem}.html")
    hits = db.execute(
        "SELECT page, image, x0, y0, x1, y1 FROM words WHERE words MATCH ?", (unique,)
    ).fetchall()
    assert len(hits) == 1
    page, image, *box = hits[0]
    assert page == 2 and image == record.image_url
    alto = etree.parse(str(run / "alto" / jsonl.stem / "0002.xml"))
    string = next(s for s in alto.iter(f"{ALTO}String") if s.get("CONTENT") == unique)
    assert tuple(box) == box_of(string) and inside(tuple(box), line_box(line))
