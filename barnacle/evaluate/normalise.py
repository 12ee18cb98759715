"""Text normalised the way OCR evaluations usually are before counting errors: Unicode NFC,
every run of whitespace (line breaks too) one space, no leading or trailing space; optionally
case folded and punctuation removed."""

from __future__ import annotations

import re
import unicodedata

from pydantic import BaseModel

from barnacle.evaluate.metrics import WordSplit

_SPACE = re.compile(r"\s+")


class Normalisation(BaseModel):
    fold_case: bool = False  # compare case-insensitively (str.casefold)
    drop_punctuation: bool = False  # remove Unicode punctuation (categories P*)
    word_split: WordSplit = "whitespace"  # how WER splits words (barnacle.evaluate.metrics)

    def describe(self) -> str:
        parts = ["NFC", "whitespace collapsed"]
        if self.fold_case:
            parts.append("case folded")
        if self.drop_punctuation:
            parts.append("punctuation removed")
        parts.append("characters as grapheme clusters")
        if self.word_split == "unicode":
            parts.append("words split at Unicode word boundaries")
        else:
            parts.append("words split at whitespace (punctuation attached)")
        return ", ".join(parts)


def normalise(text: str, how: Normalisation | None = None) -> str:
    how = how or Normalisation()
    text = unicodedata.normalize("NFC", text)
    if how.fold_case:
        text = text.casefold()
    if how.drop_punctuation:
        text = "".join(c for c in text if not unicodedata.category(c).startswith("P"))
    return _SPACE.sub(" ", text).strip()
