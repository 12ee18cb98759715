"""The bundled demo model reads only Barnacle's synthetic sample pages; on real print it
gives confident-looking garbage (mean line confidence 0.79-0.87 on real scans against
0.97-0.999 on the sample pages). `make run` with no MODEL is therefore refused before
anything is submitted unless the collection is served from this machine (the bundled sample
server, test servers; also a list file of such URLs) or ALLOW_DEMO_MODEL=1 is given."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
OVERRIDE = "ALLOW_DEMO_MODEL"
SUGGESTED_DOI = "10.5281/zenodo.10592716"  # CATMuS-Print, Latin-script prints


def _is_local_url(source: str) -> bool:
    parts = urlsplit(source)
    return parts.scheme in ("http", "https") and (parts.hostname or "") in LOCAL_HOSTS


def _served_here(collection: str) -> bool:
    """True when COLLECTION is a local URL, or a .txt/.csv list whose manifests all are, or a
    .json collection/manifest whose own id is (the sample server's, say)."""
    if _is_local_url(collection):
        return True
    path = Path(collection)
    if not path.is_file():
        return False
    from barnacle.listing.sources import SourceError, read_csv_list, read_txt_list

    try:
        if path.suffix.lower() in (".txt", ".csv"):
            read = read_csv_list if path.suffix.lower() == ".csv" else read_txt_list
            urls = [entry.manifest_url for entry in read(path)]
            return bool(urls) and all(_is_local_url(url) for url in urls)
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, SourceError):
        return False
    own_id = doc.get("id") or doc.get("@id") if isinstance(doc, dict) else None
    return isinstance(own_id, str) and _is_local_url(own_id)


def demo_model_refusal(model_ref: str, collection: str | None) -> str | None:
    """None when the run may go ahead; else the one line saying why not and what to pass.

    model_ref: the resolved model reference ('barnacle-demo' for the demo model).
    collection: the run's COLLECTION, or None on a rerun of a run already started.
    """
    from barnacle.model_files.resolve import DEMO_MODEL_NAME

    if model_ref != DEMO_MODEL_NAME or not collection:
        return None
    if _served_here(collection) or os.environ.get(OVERRIDE, "") not in ("", "0"):
        return None
    return (
        "no MODEL given, and the bundled demo model reads only Barnacle's synthetic sample "
        "pages (on real scans it gives confident-looking garbage): pass MODEL=<DOI or path>, "
        f"e.g. `make model MODEL={SUGGESTED_DOI}` (CATMuS-Print, Latin-script prints) then "
        f"`make run ... MODEL={SUGGESTED_DOI}`; or {OVERRIDE}=1 to run the demo model anyway"
    )
