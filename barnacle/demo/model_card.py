"""The model card of the demo recognition model (data/models/README.md), written from the
report of the training run that made it (barnacle.demo.training)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CARD = """# Barnacle demo recognition model

`{model_name}` is a small kraken (VGSL, CTC) line recognition model made only
to demonstrate Barnacle's IIIF -> kraken pipeline on the bundled sample pages.
It was trained from scratch on synthetic pages; do not expect it to read real
scans well.

## How it was made

* Data: {pages} synthetic book-like pages ({lines} text lines; 95% for
  training, 5% for validation), rendered by `barnacle.demo.render` with seed
  {seed}: English, French and Latin text from `barnacle.demo.texts`, with
  long s, ligatures (fi, fl, ae, oe) and ampersands substituted into a share of
  lines; fonts: {fonts}.
* Line polygons in the PAGE XML are those kraken computes from the known
  baselines (`calculate_polygonal_environment` at the blla scale), so training
  crops match what `kraken segment -bl` produces at inference.
* Network: `{spec}` (input height 48), {epochs_finished} epochs
  ({epochs} planned), batch size 1, AdamW,
  cosine schedule, kraken 7.1.1 on CPU ({threads} threads).
* Best validation character accuracy (kraken, line crops): {val_char_accuracy:.4f}.
* Time measured: rendering + polygons {render_min:.1f} min,
  `ketos compile` {compile_min:.1f} min, `ketos train`
  {train_min:.1f} min, evaluation {evaluate_min:.1f} min.
* Size: {model_mb:.1f} MB.

## Accuracy

CER on {heldout_pages} held-out synthetic pages (different seeds from the
training pages) through the full path: kraken's default baseline segmentation
(bundled blla model) + recognition with this model, lines sorted top to bottom,
page text compared by edit distance: **{heldout_cer:.4f}** (target: below 0.05).

| page | CER |
| --- | --- |
{per_page}

## Remaking it

Needs the Debian font packages `fonts-ebgaramond fonts-linuxlibertine
fonts-oldstandard fonts-junicode fonts-cardo fonts-dejavu-core fonts-liberation`
and kraken 7.1.1. From the repository root:

```
{command}
```

which ran this training command on the compiled dataset:

```
{train_command}
```

Training data is written to a scratch directory (`--workdir`) and not committed.
`ketos train` writes a checkpoint after every epoch; a run stopped early can be
finished (best checkpoint converted, evaluated, card written) with the same
command plus `--reuse-data --from-checkpoints`.

## Limitations

* Synthetic data only: clean, straight, single-column pages in seven serif
  fonts. Real scans (skew, bleed-through, damage, other typefaces) will read
  much worse.
* The text corpus is small: training pages draw on about 90 sentences plus
  generated imprints and headings; held-out pages on about 60 other sentences
  (`barnacle.demo.texts.sentences(lang, "heldout")`). Vocabulary and fragment
  templates are shared, so the CER above is optimistic even for synthetic pages.
* The validation accuracy is kraken's, on line crops from the training
  polygons; the CER above is through segmentation as well, and is what matters.
"""


def model_card(model_name: str, report: dict[str, Any]) -> str:
    """The card (Markdown) of the model `model_name`, from the training run's report."""
    t = report["timings_s"]
    per_page = "\n".join(f"| {k} | {v:.4f} |" for k, v in report["heldout_cer_per_page"].items())
    return CARD.format(
        model_name=model_name,
        fonts=", ".join(report["fonts"]),
        render_min=t.get("render_pages_s", 0) / 60,
        compile_min=t.get("compile_s", 0) / 60,
        train_min=t["train_s"] / 60,
        evaluate_min=t["evaluate_s"] / 60,
        model_mb=report["model_bytes"] / 1e6,
        per_page=per_page,
        **{k: report[k] for k in FIELDS},
    )


FIELDS = (
    "pages", "lines", "seed", "spec", "epochs_finished", "epochs", "threads",
    "val_char_accuracy", "heldout_pages", "heldout_cer", "command", "train_command",
)  # fmt: skip


def write_card(path: Path, model_name: str, report: dict[str, Any]) -> None:
    """Write the model card to `path`."""
    path.write_text(model_card(model_name, report), encoding="utf-8")
