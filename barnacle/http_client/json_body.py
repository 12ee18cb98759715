"""JSON from a response body: UTF-8 (or UTF-16/32) as JSON requires, else, for documents
served in a legacy 8-bit encoding, decoded as the Content-Type's charset or windows-1252,
with a note that says so. Lone UTF-16 surrogates (`"\\ud800"`), which no UTF-8 record,
file or response can hold, are replaced by U+FFFD, with a note too."""

from __future__ import annotations

import codecs
import json
import re
from typing import Any

from barnacle.encodable import replace_unencodable

LEGACY_ENCODING = "windows-1252"  # what legacy servers nearly always mean by "8-bit text"
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_CHARSET = re.compile(r"charset\s*=\s*\"?([A-Za-z0-9._:-]+)", re.IGNORECASE)


def _declared_charset(content_type: str) -> str | None:
    """The charset a Content-Type names, when Python knows it and it is not UTF-8."""
    match = _CHARSET.search(content_type)
    if not match:
        return None
    try:
        name = codecs.lookup(match[1]).name
    except LookupError:
        return None
    return None if name.startswith("utf") else name


def _legacy_text(body: bytes, content_type: str) -> tuple[str, str]:
    """(text, how it was decoded) for a body that is not valid UTF-8: in the charset its
    Content-Type names; as UTF-8 with the bad bytes replaced when it holds UTF-8 sequences
    too (a stray byte in a UTF-8 document); else as windows-1252 (latin-1 for the five
    bytes windows-1252 leaves undefined)."""
    charset = _declared_charset(content_type)
    if charset is not None:
        try:
            return body.decode(charset), charset
        except UnicodeDecodeError:
            pass
    if _UTF8_SEQUENCE.search(body):
        return body.decode("utf-8", "replace"), "UTF-8 with the invalid bytes replaced"
    try:
        return body.decode(LEGACY_ENCODING), LEGACY_ENCODING
    except UnicodeDecodeError:
        return body.decode("latin-1"), "latin-1"


def decode_json(body: bytes, content_type: str = "") -> tuple[Any, str | None]:
    """The JSON document in `body`, and a note when it was not valid UTF-8 and had to be
    decoded otherwise (see `_legacy_text`) or held lone surrogates (replaced). Raises
    ValueError (or RecursionError) when it is not JSON either way."""
    data, note = _decode(body, content_type)
    if not _SURROGATE_ESCAPE.search(body):  # cheap: most documents have no escaped surrogate
        return data, note
    data, count = replace_unencodable(data)
    if count:
        replaced = f"{count} string(s) held lone UTF-16 surrogates: replaced by U+FFFD"
        note = f"{note}; {replaced}" if note else replaced
    return data, note


def _decode(body: bytes, content_type: str) -> tuple[Any, str | None]:
    try:
        return json.loads(body), None
    except UnicodeDecodeError as err:
        text, how = _legacy_text(body, content_type)
        try:
            data = json.loads(text)
        except ValueError:
            raise err from None
        return data, f"not valid UTF-8 (byte {err.start}): decoded as {how}"
