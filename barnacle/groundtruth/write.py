"""`runs/<RUN>/groundtruth/`: the chosen pages as `<sha1>/<NNNN>.xml` (PAGE XML 2019, the OCR
text filled in) with the image the OCR saw beside it (`<NNNN>.jpg`, or the cached file's own
format), and `pages.tsv` (sha1, canvas index, canvas id, why chosen, mean confidence).

The folder is built beside its place and renamed into it once complete; an existing one is
never overwritten (it may hold a transcriber's corrections).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel

from barnacle.atomic import atomic_write_bytes
from barnacle.export.records import NumberedRecord, read_manifest_records
from barnacle.groundtruth.pages_xml import groundtruth_page
from barnacle.groundtruth.select import Candidate, Chosen, choose_pages
from barnacle.images.cache import ImageCache
from barnacle.run_folder import RunFolder, read_record_lines

PAGES_TSV = "pages.tsv"
IMAGE_SUFFIXES = {"JPEG": ".jpg", "PNG": ".png", "TIFF": ".tif", "WEBP": ".webp", "GIF": ".gif"}


class GroundTruthError(ValueError):
    """The run has no pages to choose from, or the folder exists already."""


class GroundTruthReport(BaseModel):
    folder: Path
    chosen: list[Chosen]
    without_image: int  # pages with lines whose image is not in the cache: not chosen
    torn_lines: list[str] = []  # torn lines of the record files (file:line: why): not chosen


def _candidates(
    files: dict[str, Path], cache: ImageCache, torn: list[str]
) -> tuple[list[Candidate], int]:
    """The pages with lines and a confidence, and how many of them lack a cached image; the
    torn lines of the files are added to `torn`."""
    found: list[Candidate] = []
    without_image = 0
    for sha1, path in files.items():
        lines = read_record_lines(path, figures_only=True)
        torn += [line.message() for line in lines.torn]
        for head in lines.dicts():
            if head.get("line_confidence") is None or not head.get("image_url"):
                continue
            if cache.get(head["image_url"]) is None:
                without_image += 1
                continue
            found.append(
                Candidate(
                    sha1=sha1,
                    canvas_index=head["canvas_index"],
                    canvas_id=head["canvas_id"],
                    confidence=head["line_confidence"],
                )
            )
    return found, without_image


def _image_suffix(path: Path) -> str:
    try:
        with Image.open(path) as image:
            return IMAGE_SUFFIXES.get(image.format or "", ".img")
    except (OSError, UnidentifiedImageError):
        return ".img"


def _write_page(folder: Path, item: NumberedRecord, sha1: str, cache: ImageCache) -> None:
    record = item.record
    source = cache.require(record.image_url)
    stem = f"{record.canvas_index:04d}"
    image_name = stem + _image_suffix(source)
    (folder / sha1).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, folder / sha1 / image_name)
    atomic_write_bytes(folder / sha1 / f"{stem}.xml", groundtruth_page(item, sha1, image_name))


def _pages_tsv(chosen: list[Chosen]) -> str:
    lines = ["sha1\tcanvas_index\tcanvas_id\treason\tmean_confidence\n"]
    for c in chosen:
        page = c.page
        lines.append(
            f"{page.sha1}\t{page.canvas_index}\t{page.canvas_id}\t{c.reason}\t{page.confidence}\n"
        )
    return "".join(lines)


def write_groundtruth(
    run_dir: Path, cache_dir: Path, pages: int, seed: int, random_share: float
) -> GroundTruthReport:
    """Choose `pages` pages of the run and write them to runs/<RUN>/groundtruth/."""
    run = RunFolder(run_dir)
    folder = run.groundtruth_dir
    if folder.exists():
        raise GroundTruthError(
            f"{folder} exists (it may hold corrections): move it away to choose pages again"
        )
    files = run.record_files()
    if not files:
        raise GroundTruthError(f"{run.ocr_dir}: no records; run `make run RUN=...` first")
    cache = ImageCache(cache_dir, offline=True)
    torn: list[str] = []
    candidates, without_image = _candidates(files, cache, torn)
    if not candidates:
        raise GroundTruthError(
            f"no page of {run_dir} has recognised lines and its image in the cache {cache_dir} "
            f"({without_image} without a cached image): pass the run's CACHE_DIR"
        )
    chosen = choose_pages(candidates, pages, seed, random_share)
    temp = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    shutil.rmtree(temp, ignore_errors=True)
    try:
        wanted: dict[str, set[int]] = {}
        for c in chosen:
            wanted.setdefault(c.page.sha1, set()).add(c.page.canvas_index)
        for sha1, indexes in wanted.items():
            for item in read_manifest_records(files[sha1]).pages:
                if item.record.canvas_index in indexes:
                    _write_page(temp, item, sha1, cache)
        atomic_write_bytes(temp / PAGES_TSV, _pages_tsv(chosen).encode("utf-8"))
        os.rename(temp, folder)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return GroundTruthReport(
        folder=folder, chosen=chosen, without_image=without_image, torn_lines=torn
    )
