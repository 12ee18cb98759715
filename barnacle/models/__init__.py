"""Recognition models by DOI: installed once through htrmopo (kraken's model repository
client), resolved offline to their files, listed with name, sha256 and licence."""

from barnacle.models.doi import as_doi
from barnacle.models.store import (
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
