"""The gate: the base model and the fine-tuned one read the held-out truth pages (their own
lines, so both see the same line images) and are scored side by side, per page and overall
(micro averages, as `barnacle evaluate` scores: NFC, whitespace collapsed, grapheme clusters).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from pydantic import BaseModel

from barnacle.evaluate.metrics import ErrorCounts, page_errors
from barnacle.evaluate.normalise import normalise
from barnacle.finetune.truth_input import TruthPage


class GatePage(BaseModel):
    page: str  # the truth file, relative to TRUTH
    base: ErrorCounts
    new: ErrorCounts


class GateResult(BaseModel):
    pages: list[GatePage]
    base: ErrorCounts
    new: ErrorCounts

    @property
    def better(self) -> bool:
        """The new model makes fewer character errors on the held-out pages."""
        return self.new.char_errors < self.base.char_errors


def _read_pages(model: Path, pages: list[TruthPage], device: str, threads: int) -> list[str]:
    """The text `model` reads on each page's own lines, lines joined by newlines."""
    from kraken.lib.xml import XMLPage

    from barnacle.ocr.engine import KrakenEngine

    engine = KrakenEngine(model, device=device, threads=threads)
    texts = []
    for page in pages:
        segmentation = XMLPage(page.xml).to_container()
        with Image.open(page.image) as image:
            image.load()
            lines = engine.recognise(image, segmentation)
        texts.append("\n".join(line.text for line in lines))
    return texts


def _truth(page: TruthPage) -> str:
    from kraken.lib.xml import XMLPage

    return "\n".join(line.text or "" for line in XMLPage(page.xml).get_sorted_lines())


def run_gate(
    base: Path, new: Path, pages: list[TruthPage], root: Path, device: str, threads: int
) -> GateResult:
    """Score `base` and `new` on `pages` (names relative to `root`)."""
    truths = [normalise(_truth(page)) for page in pages]
    base_texts = _read_pages(base, pages, device, threads)
    new_texts = _read_pages(new, pages, device, threads)
    scored = [
        GatePage(
            page=str(page.xml.relative_to(root))
            if page.xml.is_relative_to(root)
            else str(page.xml),
            base=page_errors(normalise(b), truth),
            new=page_errors(normalise(n), truth),
        )
        for page, truth, b, n in zip(pages, truths, base_texts, new_texts, strict=True)
    ]
    return GateResult(
        pages=scored,
        base=sum((p.base for p in scored), ErrorCounts()),
        new=sum((p.new for p in scored), ErrorCounts()),
    )


def _pct(value: float | None) -> str:
    return "undefined" if value is None else f"{value * 100:.2f}%"


def gate_lines(result: GateResult, base_name: str, new_name: str) -> list[str]:
    """The side-by-side table and the verdict, said plainly."""
    head = (
        f"{'held-out page':<50} {'CER base':>10} {'CER new':>10} {'WER base':>10} {'WER new':>10}"
    )
    lines = [head, "-" * len(head)]
    for page in result.pages:
        lines.append(
            f"{page.page[-50:]:<50} {_pct(page.base.cer):>10} {_pct(page.new.cer):>10} "
            f"{_pct(page.base.wer):>10} {_pct(page.new.wer):>10}"
        )
    lines.append("-" * len(head))
    b, n = result.base, result.new
    lines.append(
        f"{'all held-out pages (' + str(len(result.pages)) + ')':<50} {_pct(b.cer):>10} "
        f"{_pct(n.cer):>10} {_pct(b.wer):>10} {_pct(n.wer):>10}"
    )
    if result.better:
        lines.append(f"{new_name} is better than {base_name}: CER {_pct(b.cer)} -> {_pct(n.cer)}")
    else:
        lines.append(
            f"{new_name} is NOT better than {base_name} on the held-out pages "
            f"(CER {_pct(b.cer)} -> {_pct(n.cer)}): keep using {base_name}, or add truth pages "
            "and train again"
        )
    return lines
