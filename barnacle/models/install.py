"""`barnacle model get DOI`: fetch a record once through htrmopo (on a machine with internet)
into the store, whole or not at all, and note its DOI beside the files."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from barnacle.atomic import atomic_write_text, temp_folder_beside
from barnacle.model_files.store import (
    INSTALL_NOTE,
    InstallNote,
    ModelNotInstalled,
    installed_folder,
    record_folder,
    resolve_doi,
    weight_files,
)


class ModelGetError(RuntimeError):
    """The record could not be fetched (no network, unknown DOI, no kraken weights)."""


def _note_doi(folder: Path, doi: str) -> None:
    note = InstallNote(doi=doi, installed_at=datetime.now(UTC).isoformat())
    atomic_write_text(folder / INSTALL_NOTE, note.model_dump_json(indent=1) + "\n")


def get_model(doi: str) -> tuple[Path, bool]:
    """(weights file, fetched now) for `doi`: an installed record is used as it is (no
    network); otherwise htrmopo downloads the record into a temporary folder beside its final
    place, which is renamed into place once every file is there."""
    folder = installed_folder(doi)
    if folder is not None:
        if not (folder / INSTALL_NOTE).exists():
            _note_doi(folder, doi)
        return resolve_doi(doi), False
    from htrmopo import get_model as htrmopo_get_model

    final = record_folder(doi)
    final.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_folder_beside(final)
    try:
        try:
            htrmopo_get_model(doi, path=temp)
        except Exception as err:  # requests, sickle and htrmopo raise many kinds
            raise ModelGetError(
                f"cannot fetch model {doi}: {type(err).__name__}: {err} "
                "(this needs internet; is the DOI a kraken model in the repository?)"
            ) from err
        if not weight_files(temp):
            names = ", ".join(p.name for p in sorted(temp.iterdir())) or "none"
            raise ModelGetError(f"record {doi} holds no kraken weights (files: {names})")
        _note_doi(temp, doi)
        if final.exists():  # an empty or broken earlier attempt
            shutil.rmtree(final)
        temp.rename(final)
    finally:
        if temp.exists():
            shutil.rmtree(temp, ignore_errors=True)
    try:
        return resolve_doi(doi), True
    except ModelNotInstalled as err:
        raise ModelGetError(str(err)) from err
