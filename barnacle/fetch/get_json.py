"""Fetching JSON: a clear error for HTML error pages, bad statuses and broken bodies."""

from __future__ import annotations

import json
from typing import Any

import requests

from barnacle.fetch.errors import FetchError
from barnacle.fetch.session import BarnacleSession, get_session
from barnacle.fetch.urls import check_fetchable


def _snippet(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text[:limit] + ("..." if len(text) > limit else "")


def get_json(url: str, session: BarnacleSession | None = None, max_bytes: int = 64 << 20) -> Any:
    """GET `url` and decode JSON, raising FetchError with the URL and status on any problem."""
    check_fetchable(url)
    session = session or get_session()
    try:
        response = session.get(url, headers={"Accept": "application/ld+json, application/json"})
    except requests.exceptions.RetryError as err:
        raise FetchError(url, f"gave up after {session.settings.retries} retries ({err})") from err
    except requests.exceptions.Timeout as err:
        raise FetchError(url, "the server did not answer in time (timeout)") from err
    except requests.exceptions.ConnectionError as err:
        raise FetchError(url, f"could not connect ({type(err).__name__})") from err
    except requests.exceptions.RequestException as err:
        raise FetchError(url, str(err)) from err
    with response:
        status = response.status_code
        if status >= 400:
            retried = " after retries" if status in (429, 500, 502, 503, 504) else ""
            raise FetchError(
                url, f"{response.reason or 'error'}{retried}: {_snippet(response.text)}", status
            )
        body = response.content
        if len(body) > max_bytes:
            raise FetchError(url, f"response is larger than {max_bytes} bytes", status)
        content_type = response.headers.get("Content-Type", "")
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError) as err:
            kind = content_type.split(";")[0] or "an unknown content type"
            raise FetchError(
                url,
                f"expected JSON but got {kind}: {_snippet(body.decode('utf-8', 'replace'))}",
                status,
            ) from err
