"""Recognition model files on this machine, found offline: DOI models in the store (installed
once through htrmopo, kraken's model repository client), fine-tuned models by NAME, the bundled
demo model, and resolving what the user named (path, DOI, NAME or nothing) to weights
(`resolve.py`). The worker resolves its model here; installing and judging models is
barnacle.models."""

from barnacle.model_files.doi import as_doi
from barnacle.model_files.store import (
    InstalledModel,
    ModelNotInstalled,
    installed_models,
    record_folder,
    resolve_doi,
    store_roots,
)

__all__ = [
    "InstalledModel",
    "ModelNotInstalled",
    "as_doi",
    "installed_models",
    "record_folder",
    "resolve_doi",
    "store_roots",
]
