"""The one HTTP session of a process: timeouts, retries that honour Retry-After,
an honest User-Agent and a minimum interval between requests to the same host."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from barnacle import __version__

RETRY_STATUSES = (429, 500, 502, 503, 504)
DEFAULT_CONTACT = "https://github.com/barnacle-ocr/barnacle"


@dataclass(frozen=True)
class HttpSettings:
    """How politely and how stubbornly to talk to IIIF servers."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 5
    backoff: float = 1.0  # seconds; doubled on each retry
    max_retry_after: float = 120.0  # a longer Retry-After is capped at this
    min_interval: float = 0.0  # seconds between two requests to the same host
    contact: str = ""

    @classmethod
    def from_env(cls, **overrides: Any) -> HttpSettings:
        """Defaults, then BARNACLE_CONTACT / BARNACLE_MIN_INTERVAL from the environment."""
        values: dict[str, Any] = {}
        if os.environ.get("BARNACLE_CONTACT"):
            values["contact"] = os.environ["BARNACLE_CONTACT"]
        if os.environ.get("BARNACLE_MIN_INTERVAL"):
            values["min_interval"] = float(os.environ["BARNACLE_MIN_INTERVAL"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def user_agent(self) -> str:
        return f"barnacle/{__version__} (+{self.contact or DEFAULT_CONTACT})"


class _CappedRetry(Retry):
    """urllib3's Retry, but a server's Retry-After cannot make us wait for hours."""

    max_retry_after: float = 120.0

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        return None if value is None else min(value, self.max_retry_after)

    def new(self, **kw: Any) -> _CappedRetry:
        retry = super().new(**kw)
        retry.max_retry_after = self.max_retry_after
        return retry


class _HostPacer:
    """Keeps at least `interval` seconds between the starts of requests to one host."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, url: str) -> None:
        if self.interval <= 0:
            return
        host = urlsplit(url).netloc
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(host, 0.0))
            self._next[host] = start + self.interval
        if start > now:
            time.sleep(start - now)


class BarnacleSession(requests.Session):
    """A requests session with Barnacle's timeouts, retries and pacing built in."""

    def __init__(self, settings: HttpSettings) -> None:
        super().__init__()
        self.settings = settings
        retry = _CappedRetry(
            total=settings.retries,
            connect=settings.retries,
            read=settings.retries,
            status=settings.retries,
            backoff_factor=settings.backoff,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET", "HEAD"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        retry.max_retry_after = settings.max_retry_after
        adapter = HTTPAdapter(max_retries=retry, pool_maxsize=16)
        self.mount("http://", adapter)
        self.mount("https://", adapter)
        self.headers["User-Agent"] = settings.user_agent
        self._pacer = _HostPacer(settings.min_interval)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", (self.settings.connect_timeout, self.settings.read_timeout))
        self._pacer.wait(str(url))
        return super().request(method, url, *args, **kwargs)


_shared: BarnacleSession | None = None
_shared_lock = threading.Lock()


def get_session(settings: HttpSettings | None = None) -> BarnacleSession:
    """The process-wide session; created on first use (or replaced when settings are given)."""
    global _shared
    with _shared_lock:
        if settings is not None or _shared is None:
            _shared = BarnacleSession(settings or HttpSettings.from_env())
        return _shared
