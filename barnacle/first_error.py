"""The first problem of a Pydantic ValidationError as one short message, for the one-line errors
Barnacle gives about a bad document, record or settings file."""

from __future__ import annotations

from pydantic import ValidationError


def first_error(err: ValidationError, whole: str = "document") -> str:
    """`where: what` of the first problem: `items.0.id: Field required`; `whole` names the
    place when the problem is the value itself."""
    first = err.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or whole
    return f"{where}: {first['msg']}"
