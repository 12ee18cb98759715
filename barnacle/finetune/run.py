"""`barnacle finetune`: truth pages -> a fine-tuned model installed under its NAME, with the
gate's verdict. Checks first (NAME free, BASE installed, usable lines), then trains, then
compares BASE and the new model on the held-out pages, then installs."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from barnacle import __version__
from barnacle.export.kraken_page import kraken_version
from barnacle.finetune.gate import GateResult, gate_lines, run_gate
from barnacle.finetune.gate_chart import draw_gate_chart
from barnacle.finetune.install import (
    GATE_CHART,
    BaseRef,
    CardPage,
    FinetuneCard,
    check_name,
    finish_install,
    start_install,
)
from barnacle.finetune.split import split_pages
from barnacle.finetune.train import TrainSettings, fine_tune
from barnacle.finetune.truth_input import TruthPage, read_truth_input
from barnacle.hashing import file_sha256
from barnacle.model_files.resolve import model_doi, resolve_model
from barnacle.records.page_record import utc_now
from barnacle.records.provenance import git_commit


class FinetuneError(ValueError):
    """Nothing to train on, or too little (the message says what to do)."""


class FinetuneOutcome(BaseModel):
    folder: Path
    card: FinetuneCard
    gate: GateResult


def _card_pages(pages: list[TruthPage], root: Path) -> list[CardPage]:
    return [
        CardPage(
            file=str(p.xml.relative_to(root)),
            sha256=p.sha256,
            image_sha256=p.image_sha256,
            sha1=p.sha1,
            canvas_index=p.canvas_index,
            lines=p.lines,
        )
        for p in pages
    ]


class CheckedInputs(BaseModel):
    base_ref: str
    base: Path
    truth_dir: Path
    training: list[TruthPage]
    validation: list[TruthPage]


def check_inputs(
    truth_dir: Path,
    base_ref: str,
    name: str,
    seed: int,
    validation_share: float,
    say: Callable[[str], None] = print,
) -> CheckedInputs:
    """What is checked before any training (here, or before a SLURM job is submitted): NAME
    free, BASE installed, usable lines in TRUTH, a page each for training and validation.
    Prints the truth report. Raises FinetuneError, InstallError, ModelNotFound."""
    check_name(name)
    base_ref, base = resolve_model(base_ref)
    if not truth_dir.is_dir():
        raise FinetuneError(f"TRUTH {truth_dir}: no such folder")
    truth_dir = truth_dir.resolve()
    truth = read_truth_input(truth_dir)
    for line in truth.report_lines():
        say(line)
    if truth.lines == 0:
        raise FinetuneError(
            f"no usable line in {truth_dir}: nothing to train on (see the files named above; "
            "each line needs its text, each file its image)"
        )
    try:
        training, validation = split_pages(truth.pages, validation_share, seed)
    except ValueError as err:
        raise FinetuneError(f"{truth_dir}: {err}") from err
    return CheckedInputs(
        base_ref=base_ref,
        base=base,
        truth_dir=truth_dir,
        training=training,
        validation=validation,
    )


def finetune(
    truth_dir: Path,
    base_ref: str,
    name: str,
    settings: TrainSettings,
    validation_share: float,
    say: Callable[[str], None] = print,
) -> FinetuneOutcome:
    """Train `name` from `base_ref` on the truth under `truth_dir` and install it. Raises
    FinetuneError, InstallError, ModelNotFound, TrainingFailed."""
    checked = check_inputs(truth_dir, base_ref, name, settings.seed, validation_share, say)
    base_ref, base, truth_dir = checked.base_ref, checked.base, checked.truth_dir
    training, validation = checked.training, checked.validation
    say(
        f"fine-tuning {base_ref} as {name}: {len(training)} training page(s), "
        f"{len(validation)} validation page(s) (seed {settings.seed}), up to "
        f"{settings.max_epochs} epoch(s) on {settings.device}"
    )
    temp = start_install(name)
    try:
        result = fine_tune(base, training, validation, temp / "work", settings, say)
        added = "".join(result.alphabet_added)
        say(
            f"trained {result.epochs} epoch(s), best {result.best_epoch}: validation CER "
            f"{result.validation_cer * 100:.2f}%; alphabet extended by "
            + (f"{len(result.alphabet_added)} character(s): {added!r}" if added else "nothing")
        )
        say("gate: base and new model on the held-out pages")
        gate = run_gate(
            base, result.weights, validation, truth_dir, settings.device, settings.threads
        )
        for line in gate_lines(gate, base_ref, name):
            say(line)
        card = FinetuneCard(
            name=name,
            base=BaseRef(
                ref=base_ref, path=str(base), doi=model_doi(base_ref), sha256=file_sha256(base)
            ),
            training_pages=_card_pages(training, truth_dir),
            validation_pages=_card_pages(validation, truth_dir),
            epochs=result.epochs,
            best_epoch=result.best_epoch,
            validation_cer=result.validation_cer,
            history=result.history,
            alphabet_added=result.alphabet_added,
            seed=settings.seed,
            gate=gate,
            kraken_version=kraken_version(),
            barnacle_version=__version__,
            git_commit=git_commit(),
            created_at=utc_now(),
        )
        draw_gate_chart(gate, base_ref, name, temp / GATE_CHART)
        folder = finish_install(temp, name, result.weights, card)
        say(f"gate chart: {folder / GATE_CHART}")
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return FinetuneOutcome(folder=folder, card=card, gate=gate)
