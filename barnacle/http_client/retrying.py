"""One GET until it gives a usable answer, and what the retries cost.

Each attempt is a request plus `read(response)`, the caller's handling of the answer, so a
body that breaks off half way (connection reset, read timeout) or arrives whole but unusable
(a truncated image) is retried like a 503. Waits follow Retry-After when the server sends one
(capped by `max_retry_after`), else exponential backoff. Every retry is counted in a RetryLog.
A host the session's circuit breaker holds for down is not retried: its requests end at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Generic, TypeVar

import requests
from pydantic import BaseModel, Field

from barnacle.http_client.breaker import HostDown
from barnacle.http_client.errors import FetchError, RetryKind
from barnacle.http_client.network_errors import describe_network_error
from barnacle.http_client.session import RETRY_STATUSES, BarnacleSession, HttpSettings

T = TypeVar("T")

# Failures of the connection or the transfer, worth another try (not a bad URL, say).
RETRYABLE_EXCEPTIONS = (
    requests.exceptions.ConnectionError,  # refused, reset, broken off; also SSL errors
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class RetryLog(BaseModel):
    """The retries behind one result (a page's info.json and image, say), added up."""

    retries: int = 0
    lost_ms: float = Field(
        default=0.0, description="failed attempts and the waits after them, in milliseconds"
    )
    reasons: list[str] = Field(default_factory=list, description="why each retry happened")

    def add(self, other: RetryLog) -> None:
        self.retries += other.retries
        self.lost_ms += other.lost_ms
        self.reasons += other.reasons


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _short_reason(err: FetchError) -> str:
    """Why an attempt failed, in a few words, for RetryLog.reasons."""
    if err.retry == "network":
        return describe_network_error(err)
    if err.retry == "corrupt":
        return f"unusable body ({err.reason[:80]})"
    return f"HTTP {err.status}" if err.status else err.reason[:80]


def network_error(url: str, err: BaseException) -> FetchError:
    """The FetchError for a request that got no usable answer at all (retryable when the
    connection or the transfer failed, not when the request itself was wrong)."""
    if not isinstance(err, RETRYABLE_EXCEPTIONS):
        return FetchError(url, f"request failed: {type(err).__name__}: {err}")
    what = describe_network_error(err)
    if what.endswith("timeout"):
        message = f"the server did not answer in time ({what})"
    else:
        message = f"could not connect or read ({what})"
    return FetchError(url, message, retry="network")


@dataclass
class _Answer(Generic[T]):
    """An attempt that gave a usable answer: what `read` made of it."""

    result: T


@dataclass
class _Failed:
    """An attempt that failed: the error, why in a few words (RetryLog.reasons), and the
    wait the server asked for (Retry-After), if any."""

    error: FetchError
    reason: str
    retry_after: float | None = None


def _answer(
    url: str,
    response: requests.Response,
    read: Callable[[requests.Response], T],
    settings: HttpSettings,
    attempt: int,
) -> _Answer[T] | _Failed:
    """A status to retry (while retries of its kind are left) fails the attempt; any other
    answer goes to `read`."""
    status = response.status_code
    kind: RetryKind | None = None
    if status in RETRY_STATUSES:
        kind = "status"
    elif status == 403:
        kind = "forbidden"
    if kind is not None and attempt < settings.retry_limit(kind):
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        failure = FetchError(url, response.reason or "error", status, kind)
        return _Failed(failure, f"HTTP {status}", retry_after)
    try:
        return _Answer(read(response))
    except FetchError as err:
        return _Failed(err, _short_reason(err))
    except requests.exceptions.RequestException as err:
        return _Failed(network_error(url, err), describe_network_error(err))


def _attempt(
    session: BarnacleSession,
    url: str,
    read: Callable[[requests.Response], T],
    headers: dict[str, str] | None,
    attempt: int,
) -> _Answer[T] | _Failed:
    """One GET of `url` and `read` of its answer."""
    try:
        response = session.get(url, stream=True, headers=headers)
    except HostDown as err:  # the breaker refused it: not sent
        return _Failed(err, "host down")
    except requests.exceptions.RequestException as err:
        return _Failed(network_error(url, err), describe_network_error(err))
    with response:
        return _answer(url, response, read, session.settings, attempt)


def get_with_retries(
    session: BarnacleSession,
    url: str,
    read: Callable[[requests.Response], T],
    *,
    headers: dict[str, str] | None = None,
    log: RetryLog | None = None,
) -> T:
    """GET `url` (streamed) and return `read(response)`, retrying what may pass.

    Retried: RETRY_STATUSES (429, 5xx); 403 (HttpSettings.forbidden_retries); no answer,
    resets and timeouts; and a FetchError from `read` whose `retry` is set (a body that broke
    off: `network`; one that arrived but cannot be used: `corrupt`). A status that is not
    retried, or is no longer retried, goes to `read`, which should raise a FetchError naming
    it. The FetchError finally raised carries the retries and the time lost; so does `log`.
    While the host's circuit breaker is open (HttpSettings.breaker_failures connection failures
    in a row), HostDown is raised at once, naming the host, instead of retrying.
    """
    settings = session.settings
    spent = RetryLog()
    attempt = 0
    while True:
        started = time.monotonic()
        outcome = _attempt(session, url, read, headers, attempt)
        if isinstance(outcome, _Answer):
            if log is not None:
                log.add(spent)
            return outcome.result
        failure = outcome.error
        if failure.retry is not None:  # no wait for a retry that the breaker would refuse
            failure = session.breaker.refusal(url) or failure
        if failure.retry is None or attempt >= settings.retry_limit(failure.retry):
            failure.retries, failure.retry_lost_ms = spent.retries, spent.lost_ms
            if log is not None:
                log.add(spent)
            raise failure
        if outcome.retry_after is not None:
            delay = min(outcome.retry_after, settings.max_retry_after)
        else:
            delay = settings.backoff_delay(attempt)
        time.sleep(delay)
        spent.retries += 1
        spent.lost_ms += (time.monotonic() - started) * 1000
        spent.reasons.append(outcome.reason)
        attempt += 1
