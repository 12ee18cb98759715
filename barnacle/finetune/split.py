"""A fixed-seed split of the truth pages (whole pages, never lines of one page on both sides)
into training and validation. The validation pages are held out from training: kraken's
early stopping watches them, and the gate compares the base and the new model on them."""

from __future__ import annotations

import random

from barnacle.finetune.truth_input import TruthPage


def split_pages(
    pages: list[TruthPage], share: float, seed: int
) -> tuple[list[TruthPage], list[TruthPage]]:
    """(training, validation): at least one page on each side (so two pages at least), the
    validation pages drawn with `seed` from pages in file order."""
    if len(pages) < 2:
        raise ValueError(
            f"{len(pages)} usable page(s): at least 2 are needed (one to train on, one to "
            "validate on)"
        )
    count = min(max(1, round(len(pages) * share)), len(pages) - 1)
    ordered = sorted(pages, key=lambda p: str(p.xml))
    held = set(random.Random(seed).sample(range(len(ordered)), count))
    training = [p for i, p in enumerate(ordered) if i not in held]
    validation = [p for i, p in enumerate(ordered) if i in held]
    return training, validation
