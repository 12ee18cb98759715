"""A run's records scored against ground truth, and the table that puts runs side by side.

Records come from `runs/<RUN>/ocr/<sha1>.jsonl` (or the `.jsonl.part` of a manifest not yet
finished); pages without ground truth are left out, ground truth without a record is counted
as missing. Manifest and run rates sum the errors over their pages (micro averages); a page
whose ground truth is empty while the OCR found text has no defined rate, is left out of the
sums and counted apart (`undefined`).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from barnacle.display import printable
from barnacle.evaluate.metrics import ErrorCounts, page_errors
from barnacle.evaluate.normalise import Normalisation, normalise
from barnacle.evaluate.truth import Truth, read_truth_text
from barnacle.run_folder import RunFolder, read_record_lines


class PageScore(BaseModel):
    manifest_sha1: str
    canvas_index: int
    canvas_id: str
    canvas_label: str
    counts: ErrorCounts
    cer: float | None  # None: undefined (empty ground truth, OCR text found)
    wer: float | None


class RunEvaluation(BaseModel):
    run: str
    normalisation: str
    pages: list[PageScore]
    manifests: dict[str, ErrorCounts]  # sha1 -> summed counts
    labels: dict[str, str]  # sha1 -> manifest label (manifests.tsv), when known
    total: ErrorCounts
    missing: int  # ground-truth pages with no record in the run
    undefined: int = 0  # pages with empty ground truth and OCR text: left out of the sums
    torn_lines: list[str] = []  # torn lines of the record files (not scored), file:line: why

    @property
    def cer(self) -> float | None:
        return self.total.cer

    @property
    def wer(self) -> float | None:
        return self.total.wer


def _labels(run: RunFolder) -> dict[str, str]:
    if not run.manifests_tsv.is_file():
        return {}
    return {row["sha1"]: row.get("label", "") for row in run.read_manifests()}


def _page_scores(
    sha1: str, path: Path, truth: Truth, how: Normalisation, used: set[Path], torn: list[str]
) -> list[PageScore]:
    """The scores of the pages of one record file that have ground truth (their truth files
    added to `used`); its torn lines are added to `torn`."""
    lines = read_record_lines(path)
    torn += [line.message() for line in lines.torn]
    pages = []
    for record in lines.dicts():
        file = truth.file_for(sha1, record["canvas_index"], record["canvas_id"])
        if file is None:
            continue
        used.add(file)
        counts = page_errors(
            normalise(record.get("text", ""), how),
            normalise(read_truth_text(file), how),
            how.word_split,
        )
        pages.append(
            PageScore(
                manifest_sha1=sha1,
                canvas_index=record["canvas_index"],
                canvas_id=record["canvas_id"],
                canvas_label=record.get("canvas_label", ""),
                counts=counts,
                cer=counts.cer,
                wer=counts.wer,
            )
        )
    return pages


def evaluate_run(run_dir: Path, truth: Truth, how: Normalisation | None = None) -> RunEvaluation:
    """Score every page of `run_dir` that has ground truth."""
    how = how or Normalisation()
    run = RunFolder(run_dir)
    if not run.ocr_dir.is_dir():
        raise FileNotFoundError(f"{run.ocr_dir}: no such folder; is {run_dir} a run?")
    pages: list[PageScore] = []
    used: set[Path] = set()
    torn: list[str] = []
    for sha1, path in run.record_files().items():
        pages += _page_scores(sha1, path, truth, how, used, torn)
    manifests: dict[str, ErrorCounts] = {}
    defined = [page for page in pages if not page.counts.undefined]
    for page in defined:
        manifests[page.manifest_sha1] = manifests.get(page.manifest_sha1, ErrorCounts()) + (
            page.counts
        )
    total = sum((page.counts for page in defined), ErrorCounts())
    all_files = set(truth.by_index.values()) | set(truth.by_canvas.values())
    return RunEvaluation(
        run=run_dir.name,
        normalisation=how.describe(),
        pages=pages,
        manifests=manifests,
        labels=_labels(run),
        total=total,
        missing=len(all_files - used),
        undefined=len(pages) - len(defined),
        torn_lines=torn,
    )


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.2f}%"


def _page_pct(value: float | None) -> str:
    return "undefined" if value is None else f"{value * 100:.2f}%"


def _rank(rate: float | None) -> float:
    """Undefined pages (empty truth, OCR text) rank first among the worst."""
    return float("inf") if rate is None else rate


def comparison_lines(runs: list[RunEvaluation], worst: int = 10) -> list[str]:
    """One table, a column pair (CER, WER) per run, a row per manifest and one for the run;
    then each run's worst pages by CER."""
    names = [run.run for run in runs]
    labels: dict[str, str] = {}
    for run in runs:
        labels.update({k: v for k, v in run.labels.items() if v})
    sha1s = sorted({sha1 for run in runs for sha1 in run.manifests})
    head = f"{'manifest':<40} {'pages':>5}" + "".join(
        f" {'CER ' + n[:10]:>15} {'WER ' + n[:10]:>15}" for n in names
    )
    lines = [f"normalised: {runs[0].normalisation}", head, "-" * len(head)]
    for sha1 in sha1s:
        pages = max(sum(1 for p in run.pages if p.manifest_sha1 == sha1) for run in runs)
        name = printable(labels.get(sha1) or sha1)[:40]
        cells = "".join(
            f" {_pct(c.cer if c else None):>15} {_pct(c.wer if c else None):>15}"
            for c in (run.manifests.get(sha1) for run in runs)
        )
        lines.append(f"{name:<40} {pages:>5}{cells}")
    lines.append("-" * len(head))
    cells = "".join(f" {_pct(run.cer):>15} {_pct(run.wer):>15}" for run in runs)
    lines.append(f"{'run (all pages with ground truth)':<40} {len(runs[0].pages):>5}{cells}")
    for run in runs:
        if run.missing:
            lines.append(f"{run.run}: {run.missing} ground-truth page(s) have no record in the run")
        if run.undefined:
            lines.append(
                f"{run.run}: {run.undefined} page(s) with empty ground truth but OCR text: "
                "CER undefined, left out of the figures above"
            )
        if run.torn_lines:
            lines.append(f"{run.run}: {len(run.torn_lines)} torn record line(s), not scored:")
            lines += [f"  {message}" for message in run.torn_lines[:10]]
    for run in runs:
        ranked = sorted(run.pages, key=lambda p: (-_rank(p.cer), p.manifest_sha1, p.canvas_index))
        if not ranked or not worst:
            continue
        lines.append(f"worst pages of {run.run} (CER, WER, manifest, canvas index, label):")
        for page in ranked[:worst]:
            manifest = printable(labels.get(page.manifest_sha1) or page.manifest_sha1)[:30]
            lines.append(
                f"  {_page_pct(page.cer):>9} {_page_pct(page.wer):>9}  {manifest}"
                f"  #{page.canvas_index}  {printable(page.canvas_label)[:30]}"
            )
    return lines
