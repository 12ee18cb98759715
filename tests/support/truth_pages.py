"""Tiny pages with known text for the quality-loop tests: a run whose records hold line
geometry matching text drawn on small JPEG page images, the images in the run's cache.

Each page is PAGE_SIZE pixels with LINES short lines of DejaVu Serif; the records' OCR text
misreads every line (its last letter dropped) so a "corrected" transcription differs from it.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from barnacle.export.synthetic import synthetic_record
from barnacle.images.cache import ImageCache
from barnacle.listing.manifest_table import manifest_sha1
from barnacle.ocr.result import OcrLine

from support.tiny_books import FONTS

PAGE_SIZE = (320, 110)
LINES = 2
WORDS = "amor deus lux rex pax via vox sol mare terra aqua ignis".split()


def true_lines(manifest: int, page: int) -> list[str]:
    """The text drawn on a page: two words a line, different on every page."""
    n = manifest * 31 + page * 7
    return [f"{WORDS[(n + 3 * k) % 12]} {WORDS[(n + 3 * k + 1) % 12]}" for k in range(LINES)]


def draw_page(lines: list[str]) -> tuple[Image.Image, list[OcrLine]]:
    """The page image and each line's geometry (baseline, rectangle boundary)."""
    image = Image.new("L", PAGE_SIZE, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(next(f for f in FONTS if Path(f).is_file()), 24)
    geometry = []
    for k, text in enumerate(lines):
        top = 12 + k * 48
        draw.text((16, top), text, font=font, fill=0)
        x0, y0, x1, y1 = draw.textbbox((16, top), text, font=font)
        base = top + 24
        boundary = [(x0 - 6, y0 - 6), (x1 + 6, y0 - 6), (x1 + 6, y1 + 8), (x0 - 6, y1 + 8)]
        geometry.append(
            OcrLine(
                text=text[:-1],
                baseline=[(x0 - 4, base), (x1 + 4, base)],
                boundary=boundary,
                confidence=0.5,
            )
        )
    return image, geometry


def write_tiny_run(
    run_dir: Path, cache_dir: Path, pages: list[int], confidences: dict[tuple[int, int], float]
) -> list[str]:
    """runs/<RUN>/ocr/<sha1>.jsonl for one manifest per entry of `pages` (its page count),
    each page's image in `cache_dir` under its image URL; confidences[(manifest, page)] sets a
    page's mean line confidence (default 0.9). Returns the manifests' sha1s."""
    (run_dir / "ocr").mkdir(parents=True, exist_ok=True)
    cache = ImageCache(cache_dir)
    sha1s = []
    for m, count in enumerate(pages):
        url = f"http://127.0.0.1/manifests/m{m}.json"
        records = []
        for p in range(count):
            image, lines = draw_page(true_lines(m, p))
            data = io.BytesIO()
            image.save(data, "JPEG", quality=95)
            canvas = f"http://127.0.0.1/m{m}/canvas/{p}"
            record = synthetic_record(url, canvas, p, lines=0, image=PAGE_SIZE)
            cache.put_bytes(record.image_url, data.getvalue(), lambda path: None)
            confidence = confidences.get((m, p), 0.9)
            record = record.model_copy(
                update={
                    "ocr_lines": [ln.model_copy(update={"confidence": confidence}) for ln in lines],
                    "text": "\n".join(ln.text for ln in lines),
                    "lines": len(lines),
                    "line_confidence": confidence,
                }
            )
            records.append(record.model_dump_json())
        sha1s.append(manifest_sha1(url))
        (run_dir / "ocr" / f"{sha1s[-1]}.jsonl").write_text("\n".join(records) + "\n")
    return sha1s


def correct(folder: Path) -> None:
    """Fill the true text into every PAGE file of a groundtruth folder, as a transcriber
    would (the lines' OCR text misses each line's last letter)."""
    rows = (folder / "pages.tsv").read_text().splitlines()[1:]
    manifests = {}
    for row in rows:
        sha1, index = row.split("\t")[:2]
        manifests.setdefault(sha1, []).append(int(index))
    for sha1 in manifests:
        for index in manifests[sha1]:
            path = folder / sha1 / f"{index:04d}.xml"
            text = path.read_text()
            m = _manifest_number(sha1)
            for line in true_lines(m, index):
                text = text.replace(f"<Unicode>{line[:-1]}</Unicode>", f"<Unicode>{line}</Unicode>")
            path.write_text(text)


def _manifest_number(sha1: str) -> int:
    for m in range(100):
        if manifest_sha1(f"http://127.0.0.1/manifests/m{m}.json") == sha1:
            return m
    raise ValueError(sha1)
