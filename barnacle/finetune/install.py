"""Installing a fine-tuned model into the models folder `barnacle model` uses (the first store
root: BARNACLE_MODELS_DIR, else htrmopo's folder) as `<NAME>/`: `<NAME>.safetensors`,
`model-card.json` and `gate.png` (the gate's chart). Everything is built in
`.<NAME>.tmp-<pid>/` beside it and renamed into place at the end, so an interrupted training
leaves no half-installed model; a temporary folder left by a killed one is removed when
training starts again."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from pydantic import BaseModel

from barnacle.finetune.gate import GateResult
from barnacle.finetune.train import EpochScore
from barnacle.model_files.doi import as_doi
from barnacle.model_files.resolve import DEMO_MODEL_NAME
from barnacle.model_files.store import FINETUNE_CARD, store_roots

GATE_CHART = "gate.png"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class CardPage(BaseModel):
    file: str  # relative to TRUTH
    sha256: str
    image_sha256: str
    sha1: str | None  # manifest, in the `make groundtruth` layout
    canvas_index: int | None
    lines: int


class BaseRef(BaseModel):
    ref: str  # as the user named it
    path: str
    doi: str | None
    sha256: str


class FinetuneCard(BaseModel):
    """model-card.json of a fine-tuned model."""

    name: str
    base: BaseRef
    training_pages: list[CardPage]
    validation_pages: list[CardPage]
    epochs: int
    best_epoch: int
    validation_cer: float  # kraken's, over the validation lines of the best epoch
    history: list[EpochScore]
    alphabet_added: list[str]
    seed: int
    gate: GateResult | None  # base vs new on the validation pages
    kraken_version: str
    barnacle_version: str
    git_commit: str | None
    created_at: str


class InstallError(ValueError):
    """The name is not usable or a model of that name is installed already."""


def check_name(name: str) -> Path:
    """The folder `name` will be installed to. Raises InstallError."""
    if not _NAME.match(name) or as_doi(name) or name == DEMO_MODEL_NAME:
        raise InstallError(
            f"NAME {name!r} is not usable: letters, digits, '.', '_' and '-' only, not a DOI, "
            f"not {DEMO_MODEL_NAME}"
        )
    folder = store_roots()[0] / name
    if folder.exists():
        raise InstallError(f"a model {name} is installed already ({folder}): choose another NAME")
    return folder


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start_install(name: str) -> Path:
    """A fresh temporary folder for `name`, after removing those of dead trainings."""
    folder = check_name(name)
    folder.parent.mkdir(parents=True, exist_ok=True)
    for stale in folder.parent.glob(f".{name}.tmp-*"):
        pid = stale.name.rsplit("-", 1)[1]
        if not pid.isdigit() or not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    temp = folder.with_name(f".{name}.tmp-{os.getpid()}")
    shutil.rmtree(temp, ignore_errors=True)
    temp.mkdir()
    return temp


def finish_install(temp: Path, name: str, weights: Path, card: FinetuneCard) -> Path:
    """Move the weights and card into `temp`, drop the rest, rename it to `<NAME>/`."""
    folder = check_name(name)
    shutil.copyfile(weights, temp / f"{name}.safetensors")
    # the whole folder appears at once (the rename below), so a plain write is enough
    (temp / FINETUNE_CARD).write_text(card.model_dump_json(indent=1) + "\n", encoding="utf-8")
    for path in temp.iterdir():
        if path.name not in (f"{name}.safetensors", FINETUNE_CARD, GATE_CHART):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    os.rename(temp, folder)
    return folder
