"""Text from remote documents made safe to print: one line, no terminal control codes, short."""

from __future__ import annotations


def printable(text: str, limit: int = 1000) -> str:
    """`text` for one terminal line: control characters (newlines, tabs, escape sequences,
    line separators) shown escaped, as `\\n` or `\\x1b`, and at most `limit` characters."""
    if len(text) > limit:
        text = f"{text[:limit]}... ({len(text)} characters)"
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
