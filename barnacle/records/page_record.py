"""The page record: one JSON line per page in `runs/<RUN>/ocr/<sha1>.jsonl` (the contract
that users, `summarize` and resume rely on), and the error record for a page that failed."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from barnacle.ocr.result import OcrLine


def utc_now() -> str:
    return datetime.now(UTC).isoformat()


class ModelRef(BaseModel):
    ref: str  # what the user named (a path, or "barnacle-demo")
    resolved: str  # the absolute path that was loaded
    sha256: str  # the model file's identity: the same model at another path resumes
    doi: str | None = None  # the repository DOI when the model was named by one


class SlurmIds(BaseModel):
    job_id: str | None = None
    array_job_id: str | None = None
    array_task_id: str | None = None


class ImageFacts(BaseModel):
    sha256: str
    width: int
    height: int
    bytes: int | None = None
    cache_hit: bool | None = None
    # A SpecificResource body's selector, as applied by the image server: the region
    # ("x,y,w,h" in the source image's full-size pixels) the image shows and its clockwise
    # rotation. Absent: the whole source image, unrotated, is what the canvas shows.
    region: str | None = None
    rotation: int | None = None


class Timings(BaseModel):
    """Milliseconds spent on each stage of this page."""

    fetch: float = 0.0
    decode: float = 0.0
    segment: float = 0.0
    recognise: float = 0.0


class Provenance(BaseModel):
    """Who, where and with what: the same for every page a worker writes."""

    engine: str = "kraken"
    engine_version: str
    barnacle_version: str
    git_commit: str | None = None
    container: str | None = None
    host: str
    slurm: SlurmIds = Field(default_factory=SlurmIds)


class PageRecord(BaseModel):
    """One OCRed page: which page (manifest, canvas, image request, page_key), its text and
    lines, and how it was made (model, engine and versions, host, SLURM ids, timings, retries).

    `text` and `ocr_lines` come last, so tools that only need the figures can stop reading a
    line before them (see barnacle.run.summary).
    """

    model_config = ConfigDict(protected_namespaces=())

    created_at: str = Field(default_factory=utc_now)
    page_key: str
    canvas_index: int
    engine: str = "kraken"
    model: ModelRef
    manifest_url: str
    canvas_id: str
    image_url: str
    elapsed_ms: float
    source_metadata_id: str | None = None
    ark: str | None = None
    canvas_label: str = ""
    metadata: dict[str, str] = Field(default_factory=dict)
    engine_version: str
    barnacle_version: str
    git_commit: str | None = None
    container: str | None = None
    host: str
    slurm: SlurmIds = Field(default_factory=SlurmIds)
    image: ImageFacts
    lines: int
    chars: int
    timings_ms: Timings
    retries: int = Field(
        default=0,
        description=(
            "HTTP retries this page needed, its info.json and image together: each a failed "
            "attempt tried again after a wait (429, 5xx, a 403 once, a connection refused or "
            "reset, a read timeout, a body that broke off or arrived truncated). 0 when every "
            "request worked the first time"
        ),
    )
    retry_lost_ms: float = Field(
        default=0.0,
        description=(
            "Milliseconds lost to those retries: the failed attempts plus the waits before "
            "each retry (exponential backoff, or the server's Retry-After, capped)"
        ),
    )
    retry_reasons: list[str] = Field(
        default_factory=list,
        description="Why each retry happened, in order, e.g. 'HTTP 503', 'connection reset'",
    )
    notes: list[str] = Field(
        default_factory=list,
        description=(
            "What was worked around for this page: info.json unavailable (size not clamped), "
            "an info.json that disagrees with the image the server sent, a size the server "
            "refused and 'max' fetched instead"
        ),
    )
    line_confidence: float | None = Field(
        default=None,
        description=(
            "Mean of the page's line confidences (None without lines): well below 0.9 over a "
            "manifest means the model is likely wrong for the material"
        ),
    )
    text: str
    ocr_lines: list[OcrLine] = Field(default_factory=list)


class PageError(BaseModel):
    """A page that could not be done this time; it is retried on the next run."""

    model_config = ConfigDict(protected_namespaces=())

    created_at: str = Field(default_factory=utc_now)
    page_key: str
    canvas_index: int
    manifest_url: str
    canvas_id: str
    image_url: str | None
    stage: str  # plan, fetch, decode, ocr
    kind: str  # e.g. http_404, not_image, corrupt, bomb, network, kraken, offline_miss
    status: int | None = None
    message: str
    hint: str = ""
    retries: int = Field(
        default=0, description="HTTP retries made for this page before giving up (see PageRecord)"
    )
    retry_lost_ms: float = Field(
        default=0.0, description="Milliseconds lost to those retries: failed attempts and waits"
    )
    retry_reasons: list[str] = Field(
        default_factory=list, description="Why each retry happened, in order"
    )
    host: str
    slurm: SlurmIds = Field(default_factory=SlurmIds)
