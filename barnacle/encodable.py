"""Text from remote JSON made encodable: JSON may carry lone UTF-16 surrogates (`"\\ud800"`),
which Python reads into strings that no UTF-8 file, HTTP response or SQLite row can hold.
Each is replaced by U+FFFD and counted, so the caller can record it against its manifest."""

from __future__ import annotations

import re
from typing import Any

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")


def replace_unencodable(data: Any) -> tuple[Any, int]:
    """`data` (parsed JSON) with every lone surrogate in its strings and keys replaced by
    U+FFFD, and how many strings had one. Data without any is returned as it is."""
    if isinstance(data, str):
        fixed, count = _SURROGATE.subn(REPLACEMENT, data)
        return fixed, int(count > 0)
    if isinstance(data, list):
        items = [replace_unencodable(item) for item in data]
        if not any(count for _, count in items):
            return data, 0
        return [item for item, _ in items], sum(count for _, count in items)
    if isinstance(data, dict):
        pairs = [(replace_unencodable(k), replace_unencodable(v)) for k, v in data.items()]
        total = sum(kc + vc for (_, kc), (_, vc) in pairs)
        if not total:
            return data, 0
        return {k: v for (k, _), (v, _) in pairs}, total
    return data, 0
