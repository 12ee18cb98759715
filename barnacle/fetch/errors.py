"""The error the HTTP room raises: always names the URL and, when there was one, the status."""

from __future__ import annotations


class FetchError(RuntimeError):
    """A request that did not give a usable answer."""

    def __init__(self, url: str, message: str, status: int | None = None) -> None:
        self.url = url
        self.status = status
        self.reason = message
        where = f"HTTP {status} from {url}" if status is not None else url
        super().__init__(f"{where}: {message}")
