import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LAPIDUS = REPO / "data" / "lapidus"  # the Lapidus lists, scans and sample records (see its README)
_SAMPLE = json.loads((REPO / "data" / "sample" / "books.json").read_text(encoding="utf-8"))
SAMPLE_BOOK_PAGES = [len(book["pages"]) for book in _SAMPLE["books"]]  # pages of each sample book
SAMPLE_BOOKS = len(SAMPLE_BOOK_PAGES)  # manifests in the bundled sample collection (make demo)
