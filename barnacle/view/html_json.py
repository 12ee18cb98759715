"""JSON put inside an HTML page (the viewer's inline script): nothing in it can open or close
a script, a comment or a character reference, or end a JavaScript line."""

from __future__ import annotations

import json
from typing import Any

# Escaped as JSON \\u escapes, which JavaScript reads back as the same characters: `<` and `>`
# (`</script>`, `<!--`, `-->`), `&` (character references), and U+2028/U+2029 (line ends in
# older JavaScript; json.dumps escapes every non-ASCII character already, they are named here
# so this stays true if ensure_ascii ever goes).
_ESCAPES = {ord(ch): f"\\u{ord(ch):04x}" for ch in "<>&\u2028\u2029"}


def json_in_html(data: Any) -> str:
    """`data` as JSON that is safe anywhere in an HTML page, inline scripts included."""
    return json.dumps(data, ensure_ascii=True).translate(_ESCAPES)
