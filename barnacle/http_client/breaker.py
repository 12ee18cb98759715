"""The circuit breaker of the HTTP session: a host that cannot be reached is not asked again
for every page.

Each attempt (one connection, redirects each their own) is admitted or refused by its host's
state, then its outcome recorded:

- closed: attempts go through; `failures` connection failures in a row (refused, reset or
  closed before any answer, name not resolved, connect timeout, TLS handshake) open it.
- open: every attempt fails at once with HostDown, whose reason (the host, the failures, the
  cool-down) was recorded when it opened, so all the pages it stops say the same thing.
- half-open: once the cool-down is over, one attempt (the probe) is let through while the
  others still fail at once; an answer closes the breaker, a failure opens it again.

Any HTTP answer closes it, 5xx included: a server that answers is reachable, and a 5xx is about
one request (an image that cannot be rendered, a busy backend, a 503 with Retry-After), which
the retry schedule handles; counting it would fail a whole book for one bad page. A read timeout
closes it too: the server took the connection. The state is per host and port, for the
lifetime of the session, which is the process's one session (barnacle.http_client.get_session).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from barnacle.http_client.errors import FetchError

BreakerState = Literal["closed", "open", "half-open"]
SETTINGS_HINT = "BARNACLE_BREAKER_FAILURES, BARNACLE_BREAKER_COOLDOWN"


class HostDown(FetchError):
    """An attempt refused without being made: its host's breaker is open. Not retried."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, reason)


@dataclass
class _Host:
    """What the breaker knows of one host."""

    failures: int = 0  # connection failures in a row
    last: str = ""  # the latest of them, in a few words
    opened_at: float | None = None  # on the breaker's clock; None while closed
    probing: bool = False  # half-open: the one attempt let through is on its way
    reason: str = ""  # what the attempts it refuses say


def host_of(url: str) -> str:
    """The host and port a URL connects to: 'images.example.org:443'."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{port or (443 if parts.scheme == 'https' else 80)}"


class HostBreaker:
    """Per-host circuit breakers: `failures` connection failures in a row open one for
    `cooldown` seconds of `clock`; `failures` 0 turns them off. Thread-safe."""

    def __init__(
        self,
        failures: int,
        cooldown: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures = failures
        self.cooldown = cooldown
        self._clock = clock
        self._hosts: dict[str, _Host] = {}
        self._lock = threading.Lock()

    def state(self, url: str) -> BreakerState:
        """Where the breaker of `url`'s host stands now."""
        with self._lock:
            return self._state(self._hosts.get(host_of(url)))

    def _state(self, known: _Host | None) -> BreakerState:
        if known is None or known.opened_at is None:
            return "closed"
        if known.probing or self._clock() - known.opened_at >= self.cooldown:
            return "half-open"
        return "open"

    def admit(self, url: str) -> None:
        """Let an attempt to `url` go, or raise HostDown while its host is open (and while
        the one probe of a half-open host is on its way)."""
        if self.failures <= 0:
            return
        with self._lock:
            known = self._hosts.get(host_of(url))
            if known is None or known.opened_at is None:
                return
            cooled = self._clock() - known.opened_at >= self.cooldown
            if cooled and not known.probing:
                known.probing = True
                return
            reason = known.reason
        raise HostDown(url, reason)

    def refusal(self, url: str) -> HostDown | None:
        """The HostDown an attempt to `url` would get now, without taking the probe; None
        when it would go through. The retry loop asks this before waiting to retry."""
        if self.failures <= 0:
            return None
        with self._lock:
            known = self._hosts.get(host_of(url))
            if known is None or self._state(known) != "open":
                return None
            return HostDown(url, known.reason)

    def record(self, url: str, failure: str | None) -> None:
        """The outcome of an admitted attempt: `failure` names a connection failure
        ('connection refused'), None means the host answered (any status)."""
        if self.failures <= 0:
            return
        host = host_of(url)
        with self._lock:
            if failure is None:
                self._hosts.pop(host, None)
                return
            known = self._hosts.setdefault(host, _Host())
            known.failures += 1
            known.last = failure
            if known.probing or (known.opened_at is None and known.failures >= self.failures):
                known.opened_at = self._clock()
                known.probing = False
                known.reason = self._reason(host, known)

    def release(self, url: str) -> None:
        """An admitted attempt ended saying nothing about the host (interrupted): the probe,
        if it was one, is free to be taken again."""
        with self._lock:
            known = self._hosts.get(host_of(url))
            if known is not None:
                known.probing = False

    def _reason(self, host: str, known: _Host) -> str:
        return (
            f"host {host} cannot be reached: {known.failures} connection failures in a row "
            f"(the last: {known.last}); its requests fail at once for {self.cooldown:g} s, "
            f"then one is let through to try again (circuit breaker: {SETTINGS_HINT})"
        )
