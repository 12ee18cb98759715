from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LAPIDUS = REPO / "data" / "lapidus"  # the Lapidus lists, scans and sample records (see its README)
