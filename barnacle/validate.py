"""`barnacle validate`: is this URL or file a usable IIIF Manifest or Collection?"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from barnacle.http_client import FetchError, get_json
from barnacle.http_client.json_body import decode_json
from barnacle.iiif import IIIFError, best_label, detect_version, parse_resource
from barnacle.iiif.load import Collection, Manifest
from barnacle.iiif.v2 import Manifest as ManifestV2
from barnacle.iiif.v3 import Manifest as ManifestV3


class ValidationReport(BaseModel):
    source: str
    ok: bool
    kind: str = ""
    version: int | None = None
    label: str = ""
    canvases: int | None = None
    image_canvases: int | None = None
    canvases_without_service: list[str] = []
    skipped_canvases: list[str] = []  # "<canvas id>: <why it is not a page>"
    members: int | None = None  # manifests and sub-collections
    other_items: list[str] = []  # "<id> (Canvas)": listed by a collection, neither of those
    notes: list[str] = []
    error: str | None = None

    def lines(self) -> list[str]:
        """The report as text: one verdict, OK or INVALID, on the first line."""
        if self.error:
            return [f"INVALID {self.source}", f"  error: {self.error}"]
        out = [
            f"{'OK' if self.ok else 'INVALID'} {self.source}",
            f"  type: IIIF Presentation {self.version} {self.kind}"
            if self.version
            else f"  type: {self.kind}",
            f"  label: {self.label or '(none)'}",
        ]
        if self.canvases is not None:
            out.append(f"  canvases: {self.canvases}")
            if self.skipped_canvases:
                out.append(
                    f"  canvases that are not images (skipped): {len(self.skipped_canvases)}"
                )
                out += [f"    - {line}" for line in self.skipped_canvases[:20]]
            missing = self.canvases_without_service
            out.append(f"  canvases without an image service: {len(missing)}")
            out += [f"    - {canvas}" for canvas in missing[:20]]
            if len(missing) > 20:
                out.append(f"    ... and {len(missing) - 20} more")
        if self.members is not None:
            what = "manifests" if self.version is None else "manifests and sub-collections"
            out.append(f"  members ({what}): {self.members}")
        if self.other_items:
            out.append(
                f"  items that are not manifests or collections (not followed): "
                f"{len(self.other_items)}"
            )
            out += [f"    - {item}" for item in self.other_items[:20]]
        out += [f"  note: {note}" for note in self.notes]
        return out


def load_source(source: str, get: Callable[[str], Any], notes: list[str] | None = None) -> Any:
    """The JSON at `source`: an http(s) URL, or a local file (one not in UTF-8 is decoded
    as a legacy 8-bit encoding, said in `notes`)."""
    if "://" in source:
        return get(source)
    path = Path(source)
    if not path.is_file():
        raise FetchError(source, "no such file; give an http(s) URL or a path to a .json file")
    try:
        data, note = decode_json(path.read_bytes())
    except (ValueError, RecursionError) as err:
        raise FetchError(source, f"not valid JSON ({err})") from err
    if note and notes is not None:
        notes.append(f"{source}: {note}")
    return data


LIST_SUFFIXES = (".txt", ".csv")


def validate_list(source: str) -> ValidationReport:
    """A .txt (one manifest URL a line) or .csv (a manifest_url column) list, as COLLECTION
    takes: its form and each URL's, without fetching them (each: `barnacle validate URL`)."""
    from barnacle.http_client import url_problem
    from barnacle.listing.sources import SourceError, read_csv_list, read_txt_list

    path = Path(source)
    read = read_csv_list if path.suffix.lower() == ".csv" else read_txt_list
    kind = f"list of manifest URLs ({path.suffix.lower()[1:]})"
    try:
        entries = read(path)
    except (OSError, SourceError) as err:
        return ValidationReport(source=source, ok=False, kind=kind, error=str(err))
    bad = [
        f"line {entry.source_line}: {problem}"
        for entry in entries
        if (problem := url_problem(entry.manifest_url))
    ]
    notes = bad[:20] + ([f"... and {len(bad) - 20} more"] if len(bad) > 20 else [])
    if not entries:
        notes.append("the list names no manifest")
    notes.append("the manifests are not fetched: `barnacle validate URL` checks one")
    return ValidationReport(
        source=source, ok=bool(entries) and not bad, kind=kind, members=len(entries), notes=notes
    )


def validate(source: str, get: Callable[[str], Any] | None = None) -> ValidationReport:
    """Whether `source` is a usable Manifest (pages to OCR), Collection (members) or list of
    manifest URLs (.txt/.csv)."""
    if "://" not in source and Path(source).suffix.lower() in LIST_SUFFIXES:
        return validate_list(source)
    decoding: list[str] = []
    try:
        data = load_source(source, get or partial(get_json, notes=decoding), decoding)
        resource = parse_resource(data)
    except (FetchError, IIIFError) as err:
        return ValidationReport(source=source, ok=False, error=str(err))
    report = _report(source, data, resource)
    report.notes = decoding + report.notes
    return report


def _report(source: str, data: Any, resource: Manifest | Collection) -> ValidationReport:
    if isinstance(resource, (ManifestV2, ManifestV3)):
        pages = resource.pages()
        missing = [page.canvas_id for page in pages.pages_without_service]
        notes = list(pages.notes)
        notes += [
            f"canvas {p.canvas_id} cannot be read: {p.problem}" for p in pages.pages if p.problem
        ]
        empty = pages.no_pages_reason()
        if empty:
            notes.append(f"{empty}: nothing to OCR")
        return ValidationReport(
            source=source,
            ok=empty is None,
            kind="Manifest",
            version=pages.version,
            label=pages.label,
            canvases=len(pages.pages) + len(pages.skipped),
            image_canvases=len(pages.pages),
            canvases_without_service=missing,
            skipped_canvases=[f"{s.canvas_id}: {s.reason}" for s in pages.skipped],
            notes=notes,
        )
    return _collection_report(source, data, resource)


def _collection_report(source: str, data: Any, resource: Collection) -> ValidationReport:
    """Members are manifests and sub-collections; Canvases, Ranges ... are listed apart."""
    refs = resource.member_refs()
    members = [ref for ref in refs if ref.kind in ("manifest", "collection")]
    others = [f"{ref.id} ({ref.type})" for ref in refs if ref.kind == "other"]
    links = resource.page_links()
    notes = [f"paged collection: its {rel} page is {link}" for rel, link in links]
    if not refs and not links:
        notes.append("collection is empty")
    return ValidationReport(
        source=source,
        ok=True,
        kind="Collection",
        version=detect_version(data),
        label=best_label(resource.label),
        members=len(members),
        other_items=others,
        notes=notes,
    )
