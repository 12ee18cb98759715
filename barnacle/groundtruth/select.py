"""Choosing the pages to transcribe: mostly those the model read worst (lowest mean line
confidence), spread across manifests by a cap per manifest, plus a random share so that a CER
measured on them is not biased towards the worst pages.

The choice depends only on the records and the seed: the same run and seed give the same
pages.
"""

from __future__ import annotations

import math
import random

from pydantic import BaseModel

LOW_CONFIDENCE = "lowest mean line confidence"
RANDOM = "random"


class Candidate(BaseModel):
    """A page with lines whose image is in the cache."""

    sha1: str  # the manifest's output name (runs/<RUN>/ocr/<sha1>.jsonl)
    canvas_index: int
    canvas_id: str
    confidence: float  # mean line confidence


class Chosen(BaseModel):
    page: Candidate
    reason: str  # LOW_CONFIDENCE or RANDOM


def _lowest(candidates: list[Candidate], count: int) -> list[Candidate]:
    """`count` pages, lowest confidence first, at most a fair share per manifest (pages over
    the cap fill what is left when some manifest has fewer pages than its share)."""
    ranked = sorted(candidates, key=lambda c: (c.confidence, c.sha1, c.canvas_index))
    manifests = {c.sha1 for c in candidates}
    cap = max(1, math.ceil(count / max(len(manifests), 1)))
    taken: list[Candidate] = []
    per_manifest: dict[str, int] = {}
    for page in ranked:
        if len(taken) == count:
            return taken
        if per_manifest.get(page.sha1, 0) < cap:
            taken.append(page)
            per_manifest[page.sha1] = per_manifest.get(page.sha1, 0) + 1
    chosen = {(c.sha1, c.canvas_index) for c in taken}
    rest = [c for c in ranked if (c.sha1, c.canvas_index) not in chosen]
    return taken + rest[: count - len(taken)]


def choose_pages(
    candidates: list[Candidate], pages: int, seed: int, random_share: float
) -> list[Chosen]:
    """`pages` pages of `candidates` (all of them when there are fewer): a `random_share` of
    them drawn at random with `seed`, the rest the lowest-confidence ones. In manifest and
    canvas order."""
    pages = min(pages, len(candidates))
    drawn = round(pages * random_share)
    lowest = _lowest(candidates, pages - drawn)
    chosen = {(c.sha1, c.canvas_index) for c in lowest}
    rest = sorted(
        (c for c in candidates if (c.sha1, c.canvas_index) not in chosen),
        key=lambda c: (c.sha1, c.canvas_index),
    )
    sampled = random.Random(seed).sample(rest, min(drawn, len(rest)))
    picked = [Chosen(page=c, reason=LOW_CONFIDENCE) for c in lowest]
    picked += [Chosen(page=c, reason=RANDOM) for c in sampled]
    return sorted(picked, key=lambda c: (c.page.sha1, c.page.canvas_index))
