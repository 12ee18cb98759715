"""Which recognition model to use: the user's path, DOI or fine-tuned model's NAME,
BARNACLE_MODEL, or the bundled demo model."""

from __future__ import annotations

import os
from pathlib import Path

from barnacle.model_files.doi import as_doi

DEMO_MODEL_NAME = "barnacle-demo"
MODELS_DIR = Path(__file__).resolve().parents[2] / "data" / "models"


def models_dir() -> Path:
    """Where the demo model is: BARNACLE_MODELS_DIR (the container image sets it), else
    data/models in the checkout."""
    return Path(os.environ.get("BARNACLE_MODELS_DIR") or MODELS_DIR)


class ModelNotFound(FileNotFoundError):
    pass


def demo_model_path() -> Path:
    """The project's own small demo model (data/models/barnacle-demo.*), looked for in
    BARNACLE_MODELS_DIR and then in the checkout (a models folder holding only DOI records
    leaves the demo model where it was)."""
    folders = list(dict.fromkeys((models_dir(), MODELS_DIR)))
    for folder in folders:
        for candidate in sorted(folder.glob(f"{DEMO_MODEL_NAME}.*")):
            if candidate.suffix in (".safetensors", ".mlmodel"):
                return candidate
    raise ModelNotFound(
        f"the demo model is missing from {folders[0]}; remake it with scripts/train-demo-model "
        "or give a model: MODEL=PATH (barnacle --model PATH)"
    )


def model_doi(ref: str | None) -> str | None:
    """The DOI a model reference names (None for a path or the demo model)."""
    ref = ref or os.environ.get("BARNACLE_MODEL") or None
    if ref is None or Path(ref).expanduser().is_file():
        return None
    return as_doi(ref)


def resolve_model(ref: str | None) -> tuple[str, Path]:
    """(ref as the user named it, resolved absolute path). A DOI resolves offline to its
    installed weights (see store.py). Raises ModelNotFound."""
    from barnacle.model_files.store import ModelNotInstalled, resolve_doi, resolve_name

    ref = ref or os.environ.get("BARNACLE_MODEL") or None
    if ref is None or ref == DEMO_MODEL_NAME:
        return DEMO_MODEL_NAME, demo_model_path()
    path = Path(ref).expanduser()
    if path.is_file():
        return ref, path.resolve()
    doi = as_doi(ref)
    if doi is not None:
        try:
            return ref, resolve_doi(doi)
        except ModelNotInstalled as err:
            raise ModelNotFound(str(err)) from err
    named = resolve_name(ref)
    if named is not None:
        return ref, named
    raise ModelNotFound(
        f"model {ref!r} not found; give MODEL= (barnacle --model) the path of a kraken model, "
        "the DOI of one installed with `make model MODEL=<doi>`, or the NAME of one `make "
        "finetune` installed"
    )
