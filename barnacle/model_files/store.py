"""Where DOI models are installed and how a DOI resolves to its weights, offline.

The layout is htrmopo's own (what `kraken get DOI` and `barnacle model get DOI` write): one
folder per record, named `uuid5(NAMESPACE_DNS, doi)`, holding the record's files as the
repository serves them (the weights, `.mlmodel` or `.safetensors`, and README.md or
metadata.json). The store is `$BARNACLE_MODELS_DIR` when set (a shared folder on a cluster,
bound into containers), else htrmopo's data directory; both are searched, in that order, so a
model fetched with `kraken get` resolves too. `barnacle model get` adds `barnacle-model.json`
(the DOI, which the folder name cannot give back) next to the files.

`barnacle finetune` installs its models beside them as `<NAME>/` (the weights and
`model-card.json`), and `--model NAME` resolves to them as a DOI resolves.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from pydantic import BaseModel

from barnacle.hashing import file_sha256
from barnacle.model_files.card import read_card

WEIGHT_SUFFIXES = (".safetensors", ".mlmodel")
INSTALL_NOTE = "barnacle-model.json"
FINETUNE_CARD = "model-card.json"


class ModelNotInstalled(FileNotFoundError):
    """A DOI with no installed record here (or one whose weights are ambiguous)."""


class InstallNote(BaseModel):
    doi: str
    installed_at: str


class InstalledModel(BaseModel):
    doi: str | None  # None: installed by another tool, so the folder does not say
    name: str | None
    path: str  # the weights file
    sha256: str
    licence: str | None
    folder: str
    finetuned_from: str | None = None  # the base model of a `barnacle finetune` model


def htrmopo_data_dir() -> Path:
    """htrmopo's own download folder (platformdirs' user data dir for 'htrmopo')."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("htrmopo"))


def store_roots() -> list[Path]:
    """The folders searched for installed records, the first being where `model get` installs."""
    roots = []
    if os.environ.get("BARNACLE_MODELS_DIR"):
        roots.append(Path(os.environ["BARNACLE_MODELS_DIR"]).expanduser())
    roots.append(htrmopo_data_dir())
    return roots


def record_folder_name(doi: str) -> str:
    """htrmopo's folder name for a DOI."""
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, doi))


def record_folder(doi: str, root: Path | None = None) -> Path:
    """Where the record of `doi` is (or would be) installed under `root` (default: the first
    store root)."""
    return (root or store_roots()[0]) / record_folder_name(doi)


def weight_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in WEIGHT_SUFFIXES)


def not_installed_message(doi: str) -> str:
    where = " or ".join(str(root) for root in store_roots())
    return (
        f"model {doi} is not installed in {where}; run `make model MODEL={doi}` on a machine "
        "with internet (set BARNACLE_MODELS_DIR to a folder the compute nodes share)"
    )


def installed_folder(doi: str) -> Path | None:
    """The installed record folder of `doi`, searching every store root, or None."""
    for root in store_roots():
        folder = record_folder(doi, root)
        if folder.is_dir() and weight_files(folder):
            return folder
    return None


def resolve_doi(doi: str) -> Path:
    """The weights file of an installed DOI, without any network. Raises ModelNotInstalled."""
    folder = installed_folder(doi)
    if folder is None:
        raise ModelNotInstalled(not_installed_message(doi))
    weights = weight_files(folder)
    if len(weights) > 1:
        names = ", ".join(p.name for p in weights)
        raise ModelNotInstalled(
            f"model {doi} holds several weight files ({names}) in {folder}; "
            "give the path of the one to use: MODEL=PATH (barnacle --model PATH)"
        )
    return weights[0].resolve()


def resolve_name(name: str) -> Path | None:
    """The weights of the fine-tuned model installed as `name` (`barnacle finetune`), or None."""
    if not name or "/" in name or name.startswith("."):
        return None
    for root in store_roots():
        folder = root / name
        if (folder / FINETUNE_CARD).is_file() and len(weights := weight_files(folder)) == 1:
            return weights[0].resolve()
    return None


def _note(folder: Path) -> InstallNote | None:
    path = folder / INSTALL_NOTE
    if not path.is_file():
        return None
    try:
        return InstallNote.model_validate_json(path.read_bytes())
    except ValueError:
        return None


def installed_models() -> list[InstalledModel]:
    """Every record with weights in the store roots (the first root wins on duplicates)."""
    found: list[InstalledModel] = []
    seen: set[str] = set()
    for root in store_roots():
        if not root.is_dir():
            continue
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            if folder.name in seen or folder.name.startswith("."):
                continue
            seen.add(folder.name)
            note = _note(folder)
            card = read_card(folder)
            found.extend(
                InstalledModel(
                    doi=note.doi if note else None,
                    name=card.name,
                    path=str(weights.resolve()),
                    sha256=file_sha256(weights),
                    licence=card.licence,
                    folder=str(folder),
                    finetuned_from=card.finetuned_from,
                )
                for weights in weight_files(folder)
            )
    return found
