"""Which URLs Barnacle will fetch: http(s) only."""

from __future__ import annotations

from urllib.parse import urlsplit

from barnacle.fetch.errors import FetchError


def url_problem(url: str) -> str | None:
    """Why `url` is not a fetchable http(s) URL, or None when it is."""
    if not url or any(ch in url for ch in "\t\r\n "):
        return "URL is empty or contains whitespace"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as err:
        return f"URL cannot be parsed ({err})"
    if parts.scheme not in ("http", "https"):
        return f"only http(s) URLs are fetched, not {parts.scheme or 'a bare path'}:"
    if not parts.netloc or not parts.hostname:
        return "URL has no host"
    return None


def check_fetchable(url: str) -> None:
    problem = url_problem(url)
    if problem:
        raise FetchError(url, problem)
