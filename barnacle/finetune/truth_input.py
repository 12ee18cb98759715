"""The transcribed pages `barnacle finetune` trains on: every PAGE XML or ALTO file under the
TRUTH folder (the `make groundtruth` layout, or an eScriptorium or Transkribus export) with
the image it names. Files that cannot be used are named with the reason and skipped, lines
without text are counted; what is left is what kraken's trainer gets."""

from __future__ import annotations

import re
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel

from barnacle.hashing import file_sha256

_SHA1 = re.compile(r"^[0-9a-f]{40}$")


class TruthPage(BaseModel):
    """A usable ground-truth page."""

    xml: Path
    image: Path
    lines: int  # lines with text (kraken trains on these)
    empty_lines: int  # lines without text (skipped)
    sha256: str  # of the XML file
    image_sha256: str
    sha1: str | None = None  # the manifest, in the `make groundtruth` layout
    canvas_index: int | None = None


class TruthProblem(BaseModel):
    file: Path
    message: str


class TruthInput(BaseModel):
    pages: list[TruthPage]
    problems: list[TruthProblem]  # files skipped, with the reason
    empty_lines: int  # lines without text in the usable pages (skipped)

    @property
    def lines(self) -> int:
        return sum(page.lines for page in self.pages)

    def report_lines(self) -> list[str]:
        """What was read and what was skipped, one line per skipped file."""
        out = [
            f"truth: {len(self.pages)} usable page(s), {self.lines} line(s) with text; "
            f"{len(self.problems)} file(s) skipped, {self.empty_lines} line(s) without text "
            "skipped"
        ]
        out += [f"  skipped {p.file}: {p.message}" for p in self.problems]
        return out


def _layout_place(xml: Path) -> tuple[str | None, int | None]:
    """(manifest sha1, canvas index) of a file in the `make groundtruth` layout."""
    if _SHA1.match(xml.parent.name) and xml.stem.isdigit():
        return xml.parent.name, int(xml.stem)
    return None, None


def _check(xml: Path) -> TruthPage | str:
    """The usable page of `xml`, or why it is not usable."""
    from kraken.lib.xml import XMLPage

    try:
        page = XMLPage(xml)
    except Exception as err:  # kraken raises ValueError, KeyError... for malformed files
        return f"not valid PAGE XML or ALTO ({type(err).__name__}: {err})"
    image = Path(page.imagename) if page.imagename else None
    if image is None or not image.is_file():
        return f"image {page.imagename or '(none named)'} not found"
    try:
        with Image.open(image) as opened:
            size = opened.size
    except (OSError, UnidentifiedImageError) as err:
        return f"image {image} cannot be read ({err})"
    declared = tuple(page.image_size or ())
    if declared and all(declared) and declared != size:
        return (
            f"image {image.name} is {size[0]}x{size[1]}, the XML says {declared[0]}x{declared[1]}"
        )
    lines = list(page.lines.values())
    with_text = sum(1 for line in lines if (line.text or "").strip())
    if not with_text:
        return "no line with text"
    sha1, index = _layout_place(xml)
    return TruthPage(
        xml=xml,
        image=image,
        lines=with_text,
        empty_lines=len(lines) - with_text,
        sha256=file_sha256(xml),
        image_sha256=file_sha256(image),
        sha1=sha1,
        canvas_index=index,
    )


def read_truth_input(folder: Path) -> TruthInput:
    """Every PAGE/ALTO file under `folder`, checked."""
    pages: list[TruthPage] = []
    problems: list[TruthProblem] = []
    for xml in sorted(folder.rglob("*.xml")):
        checked = _check(xml)
        if isinstance(checked, str):
            problems.append(TruthProblem(file=xml, message=checked))
        else:
            pages.append(checked)
    return TruthInput(pages=pages, problems=problems, empty_lines=sum(p.empty_lines for p in pages))
