"""The paging numbers of the view's lists and searches (`page=`, `offset=`): whole numbers from
0 to VIEW_MAX_PAGING. Larger ones (which would overflow SQLite's integers) are a BadPaging,
answered 400; anything that is not a number reads as the default, a negative one as 0."""

from __future__ import annotations

from barnacle.defaults import VIEW_MAX_PAGING


class BadPaging(ValueError):
    """A paging number out of range: the message names the parameter and the range."""


def paging_number(query: dict[str, str], name: str, default: int = 0) -> int:
    """The whole number `name` of the query, `default` when absent or not a number."""
    text = query.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:  # not a number, or more digits than Python reads
        if not text.strip().isdigit():
            return default
        value = VIEW_MAX_PAGING + 1
    if value > VIEW_MAX_PAGING:
        raise BadPaging(f"{name}={text[:40]} is out of range: give 0 to {VIEW_MAX_PAGING}")
    return max(0, value)
