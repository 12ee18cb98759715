"""Labels in every form IIIF allows, reduced to one display string."""

from __future__ import annotations

from typing import Any

PREFERRED_LANGUAGES: tuple[str, ...] = ("en", "none", "@none")


def _strings(value: Any) -> list[tuple[str | None, str]]:
    """Flatten a label value into (language, text) pairs, in document order."""
    if value is None:
        return []
    if isinstance(value, str):
        return [(None, value)]
    if isinstance(value, (int, float)):
        return [(None, str(value))]
    if isinstance(value, list):
        pairs: list[tuple[str | None, str]] = []
        for item in value:
            pairs.extend(_strings(item))
        return pairs
    if isinstance(value, dict):
        if "@value" in value:  # Presentation 2: {"@value": ..., "@language": ...}
            text = value.get("@value")
            return [(value.get("@language"), str(text))] if text is not None else []
        pairs = []  # Presentation 3 language map: {"en": ["..."], "none": ["..."]}
        for language, texts in value.items():
            for _, text in _strings(texts):
                pairs.append((str(language), text))
        return pairs
    return []


def best_label(value: Any, languages: tuple[str, ...] = PREFERRED_LANGUAGES) -> str:
    """The best single string for a label: a preferred language first, else the first one.

    Accepts a plain string, a list of strings, `@value`/`@language` objects (v2) and
    language maps (v3). Several values in the chosen language are joined with "; ".
    Returns "" when there is no label.
    """
    pairs = [(lang, text.strip()) for lang, text in _strings(value) if text and text.strip()]
    if not pairs:
        return ""
    for wanted in languages:
        chosen = [text for lang, text in pairs if lang == wanted]
        if chosen:
            return "; ".join(chosen)
    untagged = [text for lang, text in pairs if lang is None]
    if untagged:
        return "; ".join(untagged)
    first_language = pairs[0][0]
    return "; ".join(text for lang, text in pairs if lang == first_language)
