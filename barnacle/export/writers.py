"""Write one manifest's export in one format into the run folder (the make target's recipe)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from barnacle.atomic import atomic_write_bytes, atomic_write_text
from barnacle.defaults import CACHE_DIR
from barnacle.encodable import replace_unencodable
from barnacle.export.geometry import geometry_problems
from barnacle.export.problems import Problem
from barnacle.export.published_urls import DEFAULT_PUBLISH_URL, PublishedUrls
from barnacle.export.records import ManifestRecords
from barnacle.run_folder import RunFolder


class ExportOptions(BaseModel):
    publish_url: str = DEFAULT_PUBLISH_URL
    cache_dir: Path = Path(CACHE_DIR)


class FormatResult(BaseModel):
    """What one format's export of one manifest wrote, and what it could not do."""

    format: str
    files: list[Path] = []
    problems: list[Problem] = []


def _page_folder(folder: Path, files: dict[str, bytes], result: FormatResult) -> None:
    """Write `files` (name -> bytes) into `folder`, remove page files no record gives any
    more, then touch the folder: it is the make target, current once all is written."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        path = folder / name
        atomic_write_bytes(path, data)
        result.files.append(path)
    for stale in folder.glob("*.xml"):
        if stale.name not in files:
            stale.unlink()
    os.utime(folder)


def _write_per_page(
    fmt: str, render: Callable[..., bytes], records: ManifestRecords, run_dir: Path
) -> FormatResult:
    """One XML file per page (`<fmt>/<sha1>/<NNNN>.xml`), rendered by `render(page, sha1)`."""
    result = FormatResult(format=fmt, problems=geometry_problems(records))
    run = RunFolder(run_dir)
    files = {
        run.per_page_export(fmt, records.sha1, item.record.canvas_index).name: render(
            item, records.sha1
        )
        for item in records.pages
    }
    _page_folder(run.export_target(fmt, records.sha1), files, result)
    return result


def write_alto(records: ManifestRecords, run_dir: Path, options: ExportOptions) -> FormatResult:
    from barnacle.export.alto import alto_page

    return _write_per_page("alto", alto_page, records, run_dir)


def write_page(records: ManifestRecords, run_dir: Path, options: ExportOptions) -> FormatResult:
    from barnacle.export.pagexml import pagexml_page

    return _write_per_page("page", pagexml_page, records, run_dir)


def write_hocr(records: ManifestRecords, run_dir: Path, options: ExportOptions) -> FormatResult:
    from barnacle.export.hocr import hocr_document

    result = FormatResult(format="hocr", problems=geometry_problems(records))
    path = RunFolder(run_dir).hocr_file(records.sha1)
    atomic_write_bytes(path, hocr_document(records))
    result.files.append(path)
    return result


def write_text(records: ManifestRecords, run_dir: Path, options: ExportOptions) -> FormatResult:
    from barnacle.export.text import manifest_text

    path = RunFolder(run_dir).text_file(records.sha1)
    atomic_write_text(path, manifest_text(records))
    return FormatResult(format="text", files=[path])


def write_iiif(records: ManifestRecords, run_dir: Path, options: ExportOptions) -> FormatResult:
    """Annotation pages first, stale ones removed, the derived manifest (the target) last."""
    from barnacle.export.iiif import derived_manifest, dumps
    from barnacle.export.source_manifest import SourceMissing, cached_manifest

    result = FormatResult(format="iiif", problems=geometry_problems(records))
    url = records.manifest_url
    if url is None:  # no page to annotate, and no record naming the source manifest
        return result
    try:
        source = cached_manifest(url, options.cache_dir)
    except SourceMissing as err:
        result.problems.append(Problem.at(records.path, None, str(err)))
        return result
    source, replaced = replace_unencodable(source)
    if replaced:
        message = (
            f"source manifest {url}: {replaced} text(s) with lone surrogates (not encodable as "
            "UTF-8) exported with U+FFFD in their place"
        )
        result.problems.append(Problem.at(records.path, None, message))
    urls = PublishedUrls(options.publish_url, records.sha1)
    manifest, pages, problems = derived_manifest(source, url, records, urls)
    result.problems += problems
    folder = RunFolder(run_dir).iiif_annotations_dir(records.sha1)
    folder.mkdir(parents=True, exist_ok=True)
    written = set()
    for index, page in pages.items():
        path = RunFolder(run_dir).iiif_annotation(records.sha1, index)
        atomic_write_bytes(path, dumps(page))
        result.files.append(path)
        written.add(path.name)
    for stale in folder.glob("*.json"):
        if stale.name not in written:
            stale.unlink()
    path = RunFolder(run_dir).iiif_manifest(records.sha1)
    atomic_write_bytes(path, dumps(manifest))
    result.files.append(path)
    return result


WRITERS: dict[str, Callable[[ManifestRecords, Path, ExportOptions], FormatResult]] = {
    "alto": write_alto,
    "hocr": write_hocr,
    "page": write_page,
    "text": write_text,
    "iiif": write_iiif,
}
