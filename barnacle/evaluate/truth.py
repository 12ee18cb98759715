"""Ground truth on disk, one file per page, in either layout (both may be used at once):

- by manifest and canvas index: `TRUTH/<manifest sha1>/<canvas index>.<ext>`, where the sha1
  is the manifest's output name in the run (`runs/<RUN>/ocr/<sha1>.jsonl`, the `sha1` column
  of manifests.tsv) and the index counts canvases from 0, as `canvas_index` in the records;
- by canvas id: `TRUTH/canvases.tsv`, a header line `canvas_id<TAB>file` then one line per
  page, `file` relative to TRUTH.

`<ext>` is `.txt` (plain UTF-8 text), `.xml` (PAGE XML or ALTO, told apart by their
namespaces: a PAGE file's TextLine/TextEquiv/Unicode, an ALTO file's TextLine/String CONTENT).
"""

from __future__ import annotations

import csv
from pathlib import Path

from pydantic import BaseModel

TRUTH_SUFFIXES = (".txt", ".xml")
CANVAS_TABLE = "canvases.tsv"


class TruthError(ValueError):
    """The ground truth folder or one of its files cannot be read."""


class Truth(BaseModel):
    by_index: dict[tuple[str, int], Path] = {}  # (manifest sha1, canvas index) -> file
    by_canvas: dict[str, Path] = {}  # canvas id -> file

    def file_for(self, manifest_sha1: str, canvas_index: int, canvas_id: str) -> Path | None:
        return self.by_canvas.get(canvas_id) or self.by_index.get((manifest_sha1, canvas_index))

    def __len__(self) -> int:
        return len(self.by_index) + len(self.by_canvas)


def _xml_text(path: Path) -> str:
    from lxml import etree

    try:
        root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as err:
        raise TruthError(f"{path}: not well-formed XML: {err}") from err
    namespace = etree.QName(root.getroot()).namespace or ""
    lines = []
    if "alto" in namespace.lower():
        for line in root.iter("{*}TextLine"):
            words = [s.get("CONTENT", "") for s in line.iter("{*}String")]
            lines.append(" ".join(words))
    elif "pagecontent" in namespace.lower():
        for line in root.iter("{*}TextLine"):
            unicode = line.find("./{*}TextEquiv/{*}Unicode")
            lines.append(unicode.text or "" if unicode is not None else "")
    else:
        raise TruthError(f"{path}: neither PAGE XML nor ALTO (namespace {namespace!r})")
    return "\n".join(lines)


def read_truth_text(path: Path) -> str:
    """The page text of a ground-truth file (plain text, PAGE XML or ALTO)."""
    if path.suffix == ".xml":
        return _xml_text(path)
    try:
        return path.read_text(encoding="utf-8-sig")  # a byte-order mark is no character
    except UnicodeDecodeError as err:
        raise TruthError(f"{path}: not UTF-8 text") from err


def load_truth(folder: Path) -> Truth:
    """Every ground-truth file of `folder`, in either layout. Raises TruthError."""
    if not folder.is_dir():
        raise TruthError(f"{folder}: no such ground-truth folder")
    truth = Truth()
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        for path in sorted(sub.iterdir()):
            if path.suffix in TRUTH_SUFFIXES and path.stem.isdigit():
                truth.by_index[(sub.name, int(path.stem))] = path
    table = folder / CANVAS_TABLE
    if table.is_file():
        with table.open(encoding="utf-8-sig", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle, delimiter="\t"), start=2):
                if not row.get("canvas_id") or not row.get("file"):
                    raise TruthError(f"{table}:{number}: needs canvas_id and file columns")
                path = (folder / row["file"]).resolve()
                if not path.is_file():
                    raise TruthError(f"{table}:{number}: {row['file']} not found")
                truth.by_canvas[row["canvas_id"]] = path
    if not len(truth):
        raise TruthError(
            f"{folder}: no ground truth found; expected <manifest sha1>/<canvas index>.txt "
            f"(or .xml) or {CANVAS_TABLE} (see README: Choosing a model)"
        )
    return truth
