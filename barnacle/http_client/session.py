"""The one HTTP session of a process: timeouts, an honest User-Agent, a minimum interval
between requests to the same host, and the retry settings that `get_with_retries` applies.

Each connection also goes through the session's circuit breaker (barnacle.http_client.breaker):
a host that could not be reached several times in a row is not asked again for a while.

Retrying is not left to urllib3: its Retry sees neither a body that breaks off half way nor
one that arrives whole but cannot be used, and it does not say what retrying cost. The loop
in `barnacle.http_client.retrying` does, and counts each retry.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from barnacle import __version__, defaults
from barnacle.http_client.breaker import HostBreaker
from barnacle.http_client.errors import RetryKind
from barnacle.http_client.network_errors import unreachable_reason

RETRY_STATUSES = (429, 500, 502, 503, 504)
DEFAULT_CONTACT = "https://github.com/barnacle-ocr/barnacle"

# Environment variables read by HttpSettings.from_env, and the setting each one sets.
ENV_SETTINGS: dict[str, tuple[str, type]] = {
    "BARNACLE_CONTACT": ("contact", str),
    "BARNACLE_MIN_INTERVAL": ("min_interval", float),
    "BARNACLE_RETRIES": ("retries", int),
    "BARNACLE_BACKOFF": ("backoff", float),
    "BARNACLE_CONNECT_TIMEOUT": ("connect_timeout", float),
    "BARNACLE_READ_TIMEOUT": ("read_timeout", float),
    "BARNACLE_BREAKER_FAILURES": ("breaker_failures", int),
    "BARNACLE_BREAKER_COOLDOWN": ("breaker_cooldown", float),
}


@dataclass(frozen=True)
class HttpSettings:
    """How politely and how stubbornly to talk to IIIF servers."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0  # seconds of silence, before the headers or within a body
    retries: int = 5  # 429, 5xx, connection errors, resets and timeouts (also mid-body)
    forbidden_retries: int = 1  # 403: some servers refuse a client for a while when throttling
    corrupt_retries: int = 2  # a body that arrived whole but cannot be used (truncated image)
    backoff: float = 1.0  # seconds before the first retry; doubled on each further retry
    max_retry_after: float = 120.0  # a longer Retry-After (or backoff) is capped at this
    min_interval: float = 0.0  # seconds between two requests to the same host
    breaker_failures: int = defaults.BREAKER_FAILURES  # connection failures in a row: host down
    breaker_cooldown: float = defaults.BREAKER_COOLDOWN_S  # seconds before it is tried again
    contact: str = ""

    @classmethod
    def from_env(cls, **overrides: Any) -> HttpSettings:
        """Defaults, then the BARNACLE_* variables of ENV_SETTINGS, then `overrides`
        (None values ignored)."""
        values: dict[str, Any] = {}
        for name, (field, kind) in ENV_SETTINGS.items():
            if os.environ.get(name):
                values[field] = kind(os.environ[name])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def user_agent(self) -> str:
        return f"barnacle/{__version__} (+{self.contact or DEFAULT_CONTACT})"

    def retry_limit(self, kind: RetryKind) -> int:
        """How many times a failure of this kind is retried."""
        if kind == "forbidden":
            return min(self.retries, self.forbidden_retries)
        if kind == "corrupt":
            return min(self.retries, self.corrupt_retries)
        return self.retries

    def backoff_delay(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (0 for the first) when the server
        gave no Retry-After."""
        return min(self.backoff * 2.0**retry, self.max_retry_after)


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


class _BreakerAdapter(HTTPAdapter):
    """Sends each attempt (and each redirect hop) past the breaker of its host: refused at
    once while the host is down, its outcome recorded otherwise."""

    def __init__(self, breaker: HostBreaker, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.breaker = breaker

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        url = request.url or ""
        self.breaker.admit(url)
        try:
            response = super().send(request, *args, **kwargs)
        except requests.exceptions.RequestException as err:
            self.breaker.record(url, unreachable_reason(err))
            raise
        except BaseException:
            self.breaker.release(url)
            raise
        self.breaker.record(url, None)
        return response


class BarnacleSession(requests.Session):
    """A requests session with Barnacle's timeouts, pacing and circuit breaker built in. Each
    `get` is one attempt; `barnacle.http_client.get_with_retries` retries with these settings."""

    def __init__(self, settings: HttpSettings) -> None:
        super().__init__()
        self.settings = settings
        self.breaker = HostBreaker(settings.breaker_failures, settings.breaker_cooldown)
        adapter = _BreakerAdapter(self.breaker, max_retries=0, pool_maxsize=16)
        self.mount("http://", adapter)
        self.mount("https://", adapter)
        self.headers["User-Agent"] = settings.user_agent
        self._pacer = _HostPacer(settings.min_interval)

    def request(
        self, method: str, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        kwargs.setdefault("timeout", (self.settings.connect_timeout, self.settings.read_timeout))
        down = self.breaker.refusal(str(url))
        if down is not None:  # not paced: it will not be sent
            raise down
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
