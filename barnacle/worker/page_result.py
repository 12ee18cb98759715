"""What became of one page: its image fetched and read (PageDone), or where and why it
failed (PageFailed). Page processes return these across the process boundary (Pydantic
models pickle whole), and the writer turns them into records."""

from __future__ import annotations

from pydantic import BaseModel, Field

from barnacle.http_client import RetryLog
from barnacle.images import PageImageResult
from barnacle.ocr.result import PageOcr


class FetchedPage(PageImageResult):
    """A page's image in the cache, as fetched for it, and the retries that cost."""

    retry: RetryLog = Field(default_factory=RetryLog)


class PageRead(BaseModel):
    """What a page process made of one cached image: Kraken's reading and the decode time."""

    ocr: PageOcr
    decode_ms: float


class PageFailed(BaseModel):
    """A page that could not be done this time: the stage (fetch, decode, segment, ocr ...),
    the kind of failure, the HTTP status if any, the image URL if known, and the retries
    spent on it."""

    stage: str
    kind: str
    message: str
    status: int | None = None
    image_url: str | None = None
    retry: RetryLog = Field(default_factory=RetryLog)


class PageDone(BaseModel):
    """A page fetched and read."""

    fetched: FetchedPage
    read: PageRead

    @property
    def work_ms(self) -> float:
        """The page's own work (fetch, decode, segment, recognise), not its time in a queue."""
        timings = self.read.ocr.timings_ms
        return (
            self.fetched.image.fetch_ms + self.read.decode_ms + timings.segment + timings.recognise
        )


PageResult = PageDone | PageFailed
