"""Error counts of one page: edit distance over characters (CER) and over words (WER),
divided by the length of the ground truth. Sums of counts give manifest and run rates
(each character counts once, so long pages weigh more than short ones)."""

from __future__ import annotations

from pydantic import BaseModel

from barnacle.demo.evaluate import levenshtein


class ErrorCounts(BaseModel):
    char_errors: int = 0
    chars: int = 0  # characters of the ground truth
    word_errors: int = 0
    words: int = 0  # words of the ground truth

    @property
    def cer(self) -> float:
        return self.char_errors / max(self.chars, 1)

    @property
    def wer(self) -> float:
        return self.word_errors / max(self.words, 1)

    def __add__(self, other: ErrorCounts) -> ErrorCounts:
        return ErrorCounts(
            char_errors=self.char_errors + other.char_errors,
            chars=self.chars + other.chars,
            word_errors=self.word_errors + other.word_errors,
            words=self.words + other.words,
        )


def page_errors(prediction: str, truth: str) -> ErrorCounts:
    """Counts for two texts already normalised (see barnacle.evaluate.normalise)."""
    predicted_words, true_words = prediction.split(), truth.split()
    return ErrorCounts(
        char_errors=levenshtein(prediction, truth),
        chars=len(truth),
        word_errors=levenshtein(predicted_words, true_words),
        words=len(true_words),
    )
