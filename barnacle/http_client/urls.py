"""Which URLs Barnacle will fetch: http(s) only."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from barnacle.http_client.errors import FetchError

LOCAL_FILES_HINT = (
    "to use local files, serve their folder over HTTP, e.g. `python -m http.server 8000 "
    "--bind 127.0.0.1` in it, and give http://127.0.0.1:8000/... URLs"
)


def url_problem(url: str) -> str | None:
    """Why `url` is not a fetchable http(s) URL, or None when it is."""
    if not url or any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in url):
        return "URL is empty or contains whitespace or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as err:
        return f"URL cannot be parsed ({err})"
    if parts.scheme not in ("http", "https"):
        problem = f"only http(s) URLs are fetched, not {parts.scheme or 'a bare path'}:"
        if parts.scheme == "file":  # never read local files that a remote document names
            problem += f" ({LOCAL_FILES_HINT})"
        return problem
    if not parts.netloc or not parts.hostname:
        return "URL has no host"
    return None


def check_fetchable(url: str) -> None:
    problem = url_problem(url)
    if problem:
        raise FetchError(url, problem)
