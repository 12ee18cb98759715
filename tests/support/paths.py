import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LAPIDUS = REPO / "data" / "lapidus"  # the Lapidus lists, scans and sample records (see its README)
SAMPLE_BOOKS = len(  # manifests in the bundled sample collection (make demo, sample server)
    json.loads((REPO / "data" / "sample" / "books.json").read_text(encoding="utf-8"))["books"]
)
