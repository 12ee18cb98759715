"""Fetching JSON: a clear error for HTML error pages, bad statuses and broken bodies."""

from __future__ import annotations

import logging
from typing import Any

import requests

from barnacle.http_client.errors import FetchError
from barnacle.http_client.json_body import decode_json
from barnacle.http_client.retrying import RetryLog, get_with_retries, network_error
from barnacle.http_client.session import BarnacleSession, get_session
from barnacle.http_client.urls import check_fetchable

MARKUP_STARTS = (b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")
log = logging.getLogger(__name__)


def snippet(data: bytes, limit: int = 80) -> str:
    """The start of a body as one short line of text, for error messages."""
    text = " ".join(data[:1000].decode("utf-8", "replace").split())
    return text[:limit] + ("..." if len(text) > limit else "")


def error_body(response: requests.Response, limit: int = 1000) -> bytes:
    """The first bytes of an error answer's body; nothing if even that cannot be read."""
    try:
        return response.raw.read(limit, decode_content=True) or b""
    except Exception:  # noqa: BLE001 - only for the message; the status says what happened
        return b""


def status_error(url: str, response: requests.Response) -> FetchError:
    """The FetchError for an answer with a 4xx/5xx status (get_with_retries adds how often
    it was retried)."""
    body = snippet(error_body(response))
    return FetchError(url, f"{response.reason or 'error'}: {body}", response.status_code)


def read_body(url: str, response: requests.Response, max_bytes: int) -> bytes:
    """The whole body, at most `max_bytes`; a body that breaks off raises a retryable error."""
    chunks: list[bytes] = []
    total = 0
    try:
        for chunk in response.iter_content(1 << 16):
            total += len(chunk)
            if total > max_bytes:
                raise FetchError(url, f"response is larger than {max_bytes} bytes", 200)
            chunks.append(chunk)
    except requests.exceptions.RequestException as err:
        broken = network_error(url, err)
        broken.reason = f"body broke off after {total} bytes: {broken.reason}"
        raise broken from err
    return b"".join(chunks)


def get_json(
    url: str,
    session: BarnacleSession | None = None,
    max_bytes: int = 64 << 20,
    retry_log: RetryLog | None = None,
    notes: list[str] | None = None,
) -> Any:
    """GET `url` and decode JSON, raising FetchError with the URL and status on any problem.

    429/5xx, dropped connections and bodies that break off are retried; so is a JSON body
    that does not parse (a truncated document), but not an HTML page: that is what the
    server means to send (a login or error page). Retries are added to `retry_log`. A body
    in a legacy 8-bit encoding is decoded as such: said in `notes` (else logged).
    """
    check_fetchable(url)
    session = session or get_session()

    def read(response: requests.Response) -> Any:
        status = response.status_code
        if status >= 400:
            raise status_error(url, response)
        body = read_body(url, response, max_bytes)
        try:
            data, note = decode_json(body, response.headers.get("Content-Type", ""))
        except RecursionError as err:  # hostile: [[[[...]]]] thousands deep
            raise FetchError(url, "JSON nested too deeply to read", status) from err
        except (ValueError, UnicodeDecodeError) as err:
            content_type = response.headers.get("Content-Type", "")
            kind = content_type.split(";")[0] or "an unknown content type"
            markup = body.lstrip()[:15].lower().startswith(MARKUP_STARTS) or "html" in kind
            raise FetchError(
                url,
                f"expected JSON but got {kind}: {snippet(body)}",
                status,
                retry=None if markup else "corrupt",
            ) from err
        if note and notes is not None:
            notes.append(f"{url}: {note}")
        elif note:
            log.warning("%s: %s", url, note)
        return data

    return get_with_retries(
        session,
        url,
        read,
        headers={"Accept": "application/ld+json, application/json"},
        log=retry_log,
    )
