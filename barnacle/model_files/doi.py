"""Telling a DOI from a path: `10.5281/zenodo.10592716`, `doi:10...` or `https://doi.org/10...`."""

from __future__ import annotations

import re

_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:")


def as_doi(ref: str | None) -> str | None:
    """The bare DOI (`10.5281/zenodo.N`) that `ref` names, or None when it is not a DOI.

    A file of that name in the working folder is a path, not a DOI.
    """
    if not ref:
        return None
    text = ref.strip()
    for prefix in _PREFIXES:
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
            break
    return text if _DOI.match(text) else None
