"""What to do about a failed page or manifest, by kind of failure."""

from __future__ import annotations

TRANSIENT = (429, 500, 502, 503, 504)


def hint_for(kind: str, status: int | None = None) -> str:
    if kind == "offline_miss":
        return (
            "the image is not in the cache: run `make prefetch` on a node with internet, "
            "or drop --offline"
        )
    if kind == "network" or status in TRANSIENT:
        return "transient: rerun, or `make resubmit-failed` later"
    if status == 404:
        return "the server has no such resource: check the manifest, or tell its library"
    if status in (401, 403):
        return (
            "the server refused: set BARNACLE_CONTACT, slow down with BARNACLE_MIN_INTERVAL, "
            "or ask the library for access"
        )
    if kind in ("corrupt", "not_image", "too_large"):
        return "the server sent no usable image: rerun later; if it persists, report the URL"
    if kind == "bad_canvas":
        return "the manifest's canvas cannot be read: tell its library; the other pages are done"
    if kind == "bomb":
        return "the image has more pixels than allowed: ask for a smaller SIZE"
    if kind.startswith("manifest"):
        return "the manifest could not be used: check it with `barnacle validate URL`"
    if kind in ("kraken", "memory"):
        return "OCR failed on this page: rerun; if it persists, try more memory or another model"
    return "rerun to retry this page"
