"""Write synthetic pages as PAGE XML + image pairs for ``ketos`` training.

The line polygons written are the ones kraken itself computes from the known
baselines (:func:`kraken.lib.segmentation.calculate_polygonal_environment`, at
the scale the default ``blla`` segmenter works at), not padded rectangles:
kraken's line extractor blacks out everything outside the polygon, so training
crops only look like inference crops (after ``kraken segment -bl``) when the
polygons are made the same way.
"""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from barnacle.demo.render import Line, Page, render_page

# Height (pixels) the bundled blla segmentation model scales pages to before
# polygonising; computing polygons at the same scale matches inference.
BLLA_HEIGHT = 1800

PAGE_NS = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"


@dataclass
class WrittenPage:
    xml: Path
    image: Path
    lines: int


def kraken_polygons(page: Page) -> list[list[tuple[int, int]] | None]:
    """Boundary polygons kraken computes for the page's known baselines."""
    from kraken.lib.segmentation import calculate_polygonal_environment

    baselines = [line.baseline for line in page.lines]
    polygons = calculate_polygonal_environment(
        im=page.image, baselines=baselines, scale=(BLLA_HEIGHT, 0)
    )
    return [None if p is None else [(int(x), int(y)) for x, y in p] for p in polygons]


def _points(points: list[tuple[int, int]]) -> str:
    return " ".join(f"{x},{y}" for x, y in points)


def _box(bbox: tuple[int, int, int, int]) -> list[tuple[int, int]]:
    x0, y0, x1, y1 = bbox
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def page_xml(page: Page, image_name: str, polygons: list[list[tuple[int, int]] | None]) -> str:
    """PAGE XML (2019 schema) with one region and a TextLine per line.

    Lines whose polygon could not be computed are left out.
    """
    w, h = page.image.size
    kept: list[tuple[int, Line, list[tuple[int, int]]]] = [
        (i, line, pol)
        for i, (line, pol) in enumerate(zip(page.lines, polygons, strict=True))
        if pol is not None and len(pol) >= 3
    ]
    if kept:
        xs = [x for _, ln, _ in kept for x in (ln.bbox[0], ln.bbox[2])]
        ys = [y for _, ln, pol in kept for y in (ln.bbox[1], ln.bbox[3], *(p[1] for p in pol))]
        region = _box(
            (
                max(min(xs) - 5, 0),
                max(min(ys) - 5, 0),
                min(max(xs) + 5, w - 1),
                min(max(ys) + 5, h - 1),
            )
        )
    else:
        region = _box((0, 0, w - 1, h - 1))
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<PcGts xmlns="{PAGE_NS}">',
        "  <Metadata><Creator>barnacle.demo</Creator>"
        "<Created>2026-01-01T00:00:00</Created>"
        "<LastChange>2026-01-01T00:00:00</LastChange></Metadata>",
        f'  <Page imageFilename={quoteattr(image_name)} imageWidth="{w}" imageHeight="{h}">',
        '    <TextRegion id="r0" type="paragraph">',
        f'      <Coords points="{_points(region)}"/>',
    ]
    for i, line, pol in kept:
        out += [
            f'      <TextLine id="l{i}">',
            f'        <Coords points="{_points(pol)}"/>',
            f'        <Baseline points="{_points(line.baseline)}"/>',
            f"        <TextEquiv><Unicode>{escape(line.text)}</Unicode></TextEquiv>",
            "      </TextLine>",
        ]
    out += ["    </TextRegion>", "  </Page>", "</PcGts>", ""]
    return "\n".join(out)


def write_page(seed: int, out_dir: Path, prefix: str = "page") -> WrittenPage:
    """Render page ``seed`` (training text) and write ``<prefix>-<seed>.png``/``.xml``."""
    page = render_page(seed, split="train")
    polygons = kraken_polygons(page)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{prefix}-{seed:06d}"
    image = out_dir / f"{stem}.png"
    xml = out_dir / f"{stem}.xml"
    page.image.save(image)
    xml.write_text(page_xml(page, image.name, polygons), encoding="utf-8")
    return WrittenPage(xml=xml, image=image, lines=sum(p is not None for p in polygons))


def _write_one(args: tuple[int, str, str]) -> WrittenPage:
    seed, out_dir, prefix = args
    return write_page(seed, Path(out_dir), prefix)


def write_pages(
    seeds: list[int], out_dir: Path, prefix: str = "page", processes: int = 2
) -> list[WrittenPage]:
    """Write many pages, in parallel worker processes (order follows ``seeds``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = [(seed, str(out_dir), prefix) for seed in seeds]
    if processes <= 1:
        return [_write_one(job) for job in jobs]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(processes) as pool:
        return pool.map(_write_one, jobs, chunksize=1)
