"""A page's record from what is known of it: the page plan (manifest, canvas, page key), what
every record of the manifest shares (model, caller's metadata, provenance) and the page's
result: a PageRecord for a page done, a PageError for a page or manifest that failed."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from barnacle.images import PageImageResult
from barnacle.ocr.result import mean_line_confidence
from barnacle.records import ImageFacts, ModelRef, PageError, PageRecord, Provenance, Timings
from barnacle.records.provenance import current_provenance
from barnacle.worker.error_hints import hint_for
from barnacle.worker.page_plan import PagePlan
from barnacle.worker.page_result import PageDone, PageFailed

MAX_LABEL_CHARS = 1000  # a canvas label longer than this is cut in the records


class ManifestShared(BaseModel):
    """What every record of one manifest carries the same."""

    model_config = ConfigDict(protected_namespaces=())

    manifest_url: str
    model: ModelRef
    metadata: dict[str, str]  # the caller's, e.g. source_metadata_id, ark
    provenance: Provenance


def short_label(label: str) -> str:
    """A label as records carry it: at most MAX_LABEL_CHARS characters."""
    if len(label) <= MAX_LABEL_CHARS:
        return label
    return label[: MAX_LABEL_CHARS - 1] + "\u2026"


def image_facts(got: PageImageResult) -> ImageFacts:
    """The record's image part: the cached image's facts and the selector the server applied."""
    facts = got.image.model_dump(include=set(ImageFacts.model_fields))
    return ImageFacts(**facts, region=got.region, rotation=got.rotation or None)


def timings(done: PageDone) -> Timings:
    """Milliseconds per stage, to 0.1."""
    ocr_ms = done.read.ocr.timings_ms
    return Timings(
        fetch=round(done.fetched.image.fetch_ms, 1),
        decode=round(done.read.decode_ms, 1),
        segment=round(ocr_ms.segment, 1),
        recognise=round(ocr_ms.recognise, 1),
    )


def page_record(shared: ManifestShared, plan: PagePlan, done: PageDone) -> PageRecord:
    """The record of a page done: its canvas, the manifest's shared part, the image, the text."""
    fetched, ocr = done.fetched, done.read.ocr
    metadata = dict(shared.metadata)
    return PageRecord(
        page_key=plan.page_key,
        canvas_index=plan.page.index,
        model=shared.model,
        manifest_url=shared.manifest_url,
        canvas_id=plan.page.canvas_id,
        canvas_label=short_label(plan.page.label),
        image_url=fetched.url,
        elapsed_ms=round(done.work_ms, 1),
        source_metadata_id=metadata.pop("source_metadata_id", None) or None,
        ark=metadata.pop("ark", None) or None,
        metadata=metadata,
        **dict(shared.provenance),
        image=image_facts(fetched),
        lines=len(ocr.lines),
        chars=len(ocr.text),
        timings_ms=timings(done),
        retries=fetched.retry.retries,
        retry_lost_ms=round(fetched.retry.lost_ms, 1),
        retry_reasons=fetched.retry.reasons,
        notes=fetched.notes,
        line_confidence=mean_line_confidence(ocr.lines),
        text=ocr.text,
        ocr_lines=ocr.lines,
    )


def error_record(
    manifest_url: str,
    provenance: Provenance,
    failed: PageFailed,
    page_key: str,
    canvas_index: int,
    canvas_id: str,
) -> PageError:
    """The error record of a failure, with the hint for its kind and the retries it cost."""
    retry = failed.retry
    return PageError(
        page_key=page_key,
        canvas_index=canvas_index,
        manifest_url=manifest_url,
        canvas_id=canvas_id,
        **failed.model_dump(exclude={"retry"}),
        hint=hint_for(failed.kind, failed.status),
        retries=retry.retries,
        retry_lost_ms=round(retry.lost_ms, 1),
        retry_reasons=retry.reasons,
        host=provenance.host,
        slurm=provenance.slurm,
    )


def page_error(shared: ManifestShared, plan: PagePlan, failed: PageFailed) -> PageError:
    """The error record of a page that failed."""
    page = plan.page
    return error_record(
        shared.manifest_url, shared.provenance, failed, plan.page_key, page.index, page.canvas_id
    )


def manifest_error(manifest_url: str, failed: PageFailed) -> PageError:
    """The error record of a manifest that cannot be read or has no pages: canvas index -1."""
    key = f"{manifest_url}|manifest"
    return error_record(manifest_url, current_provenance(), failed, key, -1, "")
