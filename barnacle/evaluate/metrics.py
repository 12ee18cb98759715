"""Error counts of one page: edit distance over characters (CER) and over words (WER),
divided by the length of the ground truth. Sums of counts give manifest and run rates
(each character counts once, so long pages weigh more than short ones).

A character is a grapheme cluster (Unicode UAX #29, the `regex` module's `\\X`): a base
letter with its combining marks counts once, as OCR-D's dinglehopper counts it. Words are
split on whitespace by default, so punctuation stays attached ("light." is one word, and
"light" for "light." is one word error); `words="unicode"` splits on Unicode word boundaries
(UAX #29) instead, where each punctuation mark is a word of its own.

A page whose ground truth is empty has no defined error rate when the OCR found text there
(the rate would divide by zero): its rates are None, and run and manifest totals leave it
out and count it apart (`undefined`).
"""

from __future__ import annotations

from typing import Literal

import regex
from pydantic import BaseModel

from barnacle.demo.evaluate import levenshtein

WordSplit = Literal["whitespace", "unicode"]
WORD_SPLITS: tuple[WordSplit, ...] = ("whitespace", "unicode")

_GRAPHEME = regex.compile(r"\X")
_WORD_BOUNDARY = regex.compile(r"(?wV1)\b")


class ErrorCounts(BaseModel):
    char_errors: int = 0
    chars: int = 0  # grapheme clusters of the ground truth
    word_errors: int = 0
    words: int = 0  # words of the ground truth

    @property
    def undefined(self) -> bool:
        """Empty ground truth, yet the OCR found text: no error rate is defined."""
        return self.chars == 0 and self.char_errors > 0

    @property
    def cer(self) -> float | None:
        return None if self.undefined else self.char_errors / max(self.chars, 1)

    @property
    def wer(self) -> float | None:
        if self.words == 0 and self.word_errors > 0:
            return None
        return self.word_errors / max(self.words, 1)

    def __add__(self, other: ErrorCounts) -> ErrorCounts:
        return ErrorCounts(
            char_errors=self.char_errors + other.char_errors,
            chars=self.chars + other.chars,
            word_errors=self.word_errors + other.word_errors,
            words=self.words + other.words,
        )


def graphemes(text: str) -> list[str]:
    """The grapheme clusters of `text`: what a reader counts as characters."""
    return [match.group() for match in _GRAPHEME.finditer(text)]


def words(text: str, split: WordSplit = "whitespace") -> list[str]:
    """The words of `text`: split on whitespace (punctuation attached), or on Unicode word
    boundaries (each punctuation mark a word of its own)."""
    if split == "unicode":
        return [token for token in _WORD_BOUNDARY.split(text) if token.strip()]
    return text.split()


def page_errors(prediction: str, truth: str, split: WordSplit = "whitespace") -> ErrorCounts:
    """Counts for two texts already normalised (see barnacle.evaluate.normalise)."""
    predicted_chars, true_chars = graphemes(prediction), graphemes(truth)
    predicted_words, true_words = words(prediction, split), words(truth, split)
    return ErrorCounts(
        char_errors=levenshtein(predicted_chars, true_chars),
        chars=len(true_chars),
        word_errors=levenshtein(predicted_words, true_words),
        words=len(true_words),
    )
