"""Naming what went wrong with a connection or a transfer, in a few words: 'connection
refused', 'read timeout', 'name not resolved (DNS)' ... for error messages, retry reasons and
the circuit breaker."""

from __future__ import annotations

import socket

import requests


def _chain(err: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = err
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def describe_network_error(err: BaseException) -> str:
    """A short name for a failed connection or read: 'read timeout', 'connection reset' ..."""
    chain = _chain(err)
    text = " ".join(f"{type(e).__name__} {e}" for e in chain)
    if any(isinstance(e, requests.exceptions.ConnectTimeout) for e in chain):
        return "connect timeout"
    if "timed out" in text or any(isinstance(e, TimeoutError) for e in chain):
        return "read timeout"
    if any(isinstance(e, socket.gaierror) for e in chain) or "NameResolutionError" in text:
        return "name not resolved (DNS)"
    if any(isinstance(e, (ConnectionResetError, BrokenPipeError)) for e in chain):
        return "connection reset"
    if "reset by peer" in text or "Broken pipe" in text:
        return "connection reset"
    if "IncompleteRead" in text or "Connection broken" in text:
        return "body broke off"
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
        return "connection refused"
    if "RemoteDisconnected" in text or "without response" in text:
        return "connection closed without an answer"
    return f"connection error ({type(err).__name__})"


def unreachable_reason(err: requests.exceptions.RequestException) -> str | None:
    """Why the host could not be reached at all (refused, reset or closed before any answer,
    name not resolved, connect timeout, TLS handshake), or None when the error came after a
    connection was made (a read timeout: the server took the request but was slow)."""
    if isinstance(err, requests.exceptions.ConnectionError):
        return describe_network_error(err)
    return None
