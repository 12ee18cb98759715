"""Which recognition model to use: the user's path, BARNACLE_MODEL, or the bundled demo model."""

from __future__ import annotations

import os
from pathlib import Path

DEMO_MODEL_NAME = "barnacle-demo"
MODELS_DIR = Path(__file__).resolve().parents[2] / "data" / "models"


def models_dir() -> Path:
    """Where the demo model is: BARNACLE_MODELS_DIR (the container image sets it), else
    data/models in the checkout."""
    return Path(os.environ.get("BARNACLE_MODELS_DIR") or MODELS_DIR)


class ModelNotFound(FileNotFoundError):
    pass


def demo_model_path() -> Path:
    """The project's own small demo model (data/models/barnacle-demo.*)."""
    folder = models_dir()
    for candidate in sorted(folder.glob(f"{DEMO_MODEL_NAME}.*")):
        if candidate.suffix in (".safetensors", ".mlmodel"):
            return candidate
    raise ModelNotFound(
        f"the demo model is missing from {folder}; remake it with scripts/train-demo-model "
        "or pass --model PATH"
    )


def resolve_model(ref: str | None) -> tuple[str, Path]:
    """(ref as the user named it, resolved absolute path). Raises ModelNotFound."""
    ref = ref or os.environ.get("BARNACLE_MODEL") or None
    if ref is None or ref == DEMO_MODEL_NAME:
        return DEMO_MODEL_NAME, demo_model_path()
    path = Path(ref).expanduser()
    if not path.is_file():
        raise ModelNotFound(f"model {ref!r} not found; pass --model PATH of a kraken model")
    return ref, path.resolve()
