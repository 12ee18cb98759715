"""Deterministic source of text for synthetic book pages.

The passages (barnacle.demo.passages) and short fragments written for this
project, in English, French and Latin: :class:`TextSource` turns them into a
seeded stream of words and lines; early-modern forms (long s, ligatures, the ampersand) are
substituted into a share of the lines.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

from barnacle.demo.passages import HELDOUT_EXTRA, LANGUAGES, RUNNING_TITLES

__all__ = ["HELDOUT_EXTRA", "LANGUAGES", "RUNNING_TITLES", "TextSource", "historicise", "sentences"]

# Words for self-written fragments: headings, catalogue entries, dates.
_FRAGMENT_TEMPLATES = (
    "Chap. {roman}. {title}",
    "Liber {roman}, caput {num}.",
    "Page {num}, ligne {small}.",
    "Anno MDC{roman}, die {small} mensis {month}.",
    "Printed for {name}, at the {sign}, {year}.",
    "A Paris, chez {name}, {year}.",
    "Vol. {roman}, pp. {num}-{num2}.",
    "Tome {roman}, {num} pages, {year}.",
    "Art. {num}. {title}",
)
_TITLES = (
    "Of Gardens.",
    "Of Travel.",
    "Of Studies.",
    "De la solitude.",
    "Des livres.",
    "De amicitia.",
    "De senectute.",
    "Of the Sea.",
    "De l'usage de la vie.",
    "Of Friendship.",
    "De officiis.",
    "Du commerce.",
)
_NAMES = (
    "John Newbery",
    "Jacob Tonson",
    "Guillaume Desprez",
    "Pierre Le Petit",
    "Christophe Plantin",
    "Aldus Manutius",
    "Thomas Payne",
    "Claude Barbin",
)
_SIGNS = ("Bible and Crown", "Golden Ball", "Ship", "Rose", "Three Flowers")
_MONTHS = ("Ianuarii", "Februarii", "Martii", "Aprilis", "Maii", "Iunii", "Iulii")
_ROMANS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XII", "XIV")

HELDOUT_EVERY = 5  # every 5th sentence (index % 5 == 2) is held out of training


def sentences(lang: str, split: str | None = None) -> list[str]:
    """Split the passages of a language into sentences (deterministic order).

    ``split``: ``None`` for all sentences, ``"train"`` for the training share,
    ``"heldout"`` for the sentences never used on training pages (every
    :data:`HELDOUT_EVERY`-th sentence of the passages plus :data:`HELDOUT_EXTRA`).
    """
    parts = _split_sentences(LANGUAGES[lang])
    extra = _split_sentences(HELDOUT_EXTRA[lang])
    if split is None:
        return parts + extra
    if split not in ("train", "heldout"):
        raise ValueError(f"unknown split {split!r}")
    held = split == "heldout"
    share = [p for i, p in enumerate(parts) if (i % HELDOUT_EVERY == 2) == held]
    return share + extra if held else share


def _split_sentences(passages: str) -> list[str]:
    text = " ".join(passages.split())
    return [p for p in re.split(r"(?<=[.!?])\s+", text) if p]


def _fragment(rng: random.Random) -> str:
    template = rng.choice(_FRAGMENT_TEMPLATES)
    return template.format(
        roman=rng.choice(_ROMANS),
        title=rng.choice(_TITLES),
        num=rng.randint(1, 480),
        num2=rng.randint(481, 960),
        small=rng.randint(1, 31),
        month=rng.choice(_MONTHS),
        name=rng.choice(_NAMES),
        sign=rng.choice(_SIGNS),
        year=rng.randint(1540, 1899),
    )


_LONG_S = re.compile(r"s(?=[a-zA-Zſ])")


def historicise(line: str, rng: random.Random, lang: str) -> str:
    """Substitute long s, ligatures and the ampersand into a line of text.

    Long s replaces ``s`` everywhere except at the end of a word; ``fi`` and
    ``fl`` become ligatures, ``ae``/``oe`` become æ/œ (mostly in Latin and
    French) and ``and``/``et`` become ``&``. Each kind is applied with its own
    probability so a page gets a mix of modern and old forms.
    """
    if rng.random() < 0.6:
        line = _LONG_S.sub("ſ", line)
    if rng.random() < 0.7:
        line = line.replace("fi", "ﬁ").replace("fl", "ﬂ")
    if lang in ("la", "fr") and rng.random() < 0.6:
        line = line.replace("ae", "æ").replace("oe", "œ").replace("Ae", "Æ")
    if rng.random() < 0.5:
        word = {"en": "and", "fr": "et", "la": "et"}[lang]
        line = re.sub(rf"\b{word}\b", "&", line)
    return line


class TextSource:
    """A seeded, endless stream of words in one language.

    ``words()`` yields sentences from the passages (starting at a random place,
    then in order so the text reads naturally), interleaved now and then with
    self-written fragments such as imprints, headings and page references.
    """

    def __init__(self, seed: int, lang: str | None = None, split: str | None = None) -> None:
        self.rng = random.Random(seed)
        self.lang = lang or self.rng.choice(sorted(LANGUAGES))
        self._sentences = sentences(self.lang, split)

    def running_title(self) -> str:
        return self.rng.choice(RUNNING_TITLES[self.lang])

    def words(self) -> Iterator[str]:
        idx = self.rng.randrange(len(self._sentences))
        while True:
            if self.rng.random() < 0.12:
                sentence = _fragment(self.rng)
            else:
                sentence = self._sentences[idx % len(self._sentences)]
                idx += 1 if self.rng.random() < 0.8 else self.rng.randrange(2, 9)
            yield from sentence.split()

    def finish_line(self, line: str, historic_share: float = 0.35) -> str:
        """Apply old forms to a share of lines (decided per line, seeded)."""
        if self.rng.random() < historic_share:
            return historicise(line, self.rng, self.lang)
        return line
