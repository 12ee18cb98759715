"""The error barnacle.http_client raises: always names the URL and, when there was one, the
status."""

from __future__ import annotations

from typing import Literal

# Which retry budget a failure draws on (HttpSettings.retry_limit); None: not worth retrying.
RetryKind = Literal["network", "status", "forbidden", "corrupt"]


class FetchError(RuntimeError):
    """A request that did not give a usable answer.

    `retry` says whether trying again could help (and under which budget); `retries` and
    `retry_lost_ms` say what was tried before giving up.
    """

    def __init__(
        self, url: str, message: str, status: int | None = None, retry: RetryKind | None = None
    ) -> None:
        self.url = url
        self.status = status
        self.reason = message
        self.retry: RetryKind | None = retry
        self.retries = 0
        self.retry_lost_ms = 0.0
        super().__init__(url, message, status)

    def __str__(self) -> str:
        where = f"HTTP {self.status} from {self.url}" if self.status is not None else self.url
        text = f"{where}: {self.reason}"
        if self.retries:
            text += f" (after retries: {self.retries}, {self.retry_lost_ms / 1000:.1f} s lost)"
        return text
